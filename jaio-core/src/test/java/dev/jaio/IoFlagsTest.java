package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jaio.internal.linux.Rwf;
import org.junit.jupiter.api.Test;

/**
 * The public per-request flags are the kernel's RWF_* values, whose one home below the API is
 * {@link Rwf} (itself pinned to include/uapi/linux/fs.h by ConstantsTest): the engines hand
 * {@link IoFlags} to preadv2, iocb.aio_rw_flags and the SQE's rw_flags unchanged.
 */
class IoFlagsTest {

    @Test
    void publicFlagsAreTheKernelsRwfValues() {
        assertAll(
                () -> assertEquals(Rwf.RWF_HIPRI, IoFlags.HIPRI),
                () -> assertEquals(Rwf.RWF_DSYNC, IoFlags.DSYNC),
                () -> assertEquals(Rwf.RWF_SYNC, IoFlags.SYNC),
                () -> assertEquals(Rwf.RWF_NOWAIT, IoFlags.NOWAIT),
                () -> assertEquals(0, IoFlags.NONE));
    }
}
