package dev.jaio.internal.aio;

import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.AioCalls;
import dev.jaio.internal.linux.Arch;
import dev.jaio.internal.linux.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The native kernel AIO engine: io_setup, io_submit, io_getevents. */
public final class AioEngine implements EngineProvider {

    /** Selection name. */
    public static final String NAME = "aio";

    private static final class Probe {
        static final String CAUSE = probe();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "native kernel AIO (io_submit/io_getevents); truly asynchronous for O_DIRECT, "
                + "buffered I/O completes inside io_submit";
    }

    @Override
    public String unavailabilityCause() {
        return Probe.CAUSE;
    }

    @Override
    public IoQueue openQueue(QueueOptions options) throws IOException {
        String cause = unavailabilityCause();
        if (cause != null) {
            throw new IOException("engine aio is not available: " + cause);
        }
        return new AioQueue(options);
    }

    private static String probe() {
        if (!Arch.LINUX) {
            return "native AIO is Linux-only (os.name=" + System.getProperty("os.name") + ")";
        }
        if (!Arch.X86_64 && !Arch.AARCH64) {
            return "no syscall numbers for architecture " + System.getProperty("os.arch");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctxp = arena.allocate(ValueLayout.JAVA_LONG);
            long rc = AioCalls.ioSetup(1, ctxp);
            if (rc < 0) {
                int errno = (int) -rc;
                return switch (errno) {
                    case Errno.ENOSYS -> "io_setup: ENOSYS: kernel built without CONFIG_AIO";
                    case Errno.EPERM -> "io_setup: EPERM: blocked by a seccomp or LSM policy";
                    case Errno.EAGAIN -> "io_setup: EAGAIN: fs.aio-max-nr (" + AioLimits.read("aio-max-nr")
                            + ") exhausted, aio-nr is " + AioLimits.read("aio-nr");
                    default -> "io_setup: " + Errno.describe(errno);
                };
            }
            AioCalls.ioDestroy(ctxp.get(ValueLayout.JAVA_LONG, 0));
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "native access failed: " + e;
        }
    }
}
