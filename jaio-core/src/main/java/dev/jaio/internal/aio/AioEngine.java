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

    /** The probe's answer once it is permanent; null until then (see {@link #unavailabilityCause}). */
    private static volatile Probed probed;

    /** A probe's answer: {@code cause} null when the engine can run; {@code lasting} false when it may change. */
    private record Probed(String cause, boolean lasting) {
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
        Probed p = probed;
        if (p == null) {
            synchronized (AioEngine.class) {
                p = probed;
                if (p == null) {
                    p = probe();
                    if (p.lasting()) {
                        probed = p; // EAGAIN (fs.aio-max-nr in use) or ENOMEM may pass: ask again next time
                    }
                }
            }
        }
        return p.cause();
    }

    @Override
    public String capacityLimit(boolean wakeup) {
        return "the largest AIO context jaio sets up; fs.aio-max-nr may allow fewer";
    }

    @Override
    public IoQueue openQueue(QueueOptions options) throws IOException {
        String cause = unavailabilityCause();
        if (cause != null) {
            throw new IOException("engine aio is not available: " + cause);
        }
        return new AioQueue(options);
    }

    private static Probed probe() {
        if (!Arch.LINUX) {
            return new Probed("native AIO is Linux-only (os.name=" + System.getProperty("os.name") + ")", true);
        }
        if (!Arch.X86_64 && !Arch.AARCH64) {
            return new Probed("no syscall numbers for architecture " + System.getProperty("os.arch"), true);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctxp = arena.allocate(ValueLayout.JAVA_LONG);
            long rc = AioCalls.ioSetup(1, ctxp);
            if (rc < 0) {
                int errno = (int) -rc;
                String cause = switch (errno) {
                    case Errno.ENOSYS -> "io_setup: ENOSYS: kernel built without CONFIG_AIO";
                    case Errno.EPERM -> "io_setup: EPERM: blocked by a seccomp or LSM policy";
                    case Errno.EAGAIN -> "io_setup: EAGAIN: fs.aio-max-nr (" + AioLimits.read("aio-max-nr")
                            + ") exhausted, aio-nr is " + AioLimits.read("aio-nr");
                    default -> "io_setup: " + Errno.describe(errno);
                };
                return new Probed(cause, errno != Errno.EAGAIN && errno != Errno.ENOMEM);
            }
            AioCalls.ioDestroy(ctxp.get(ValueLayout.JAVA_LONG, 0));
            return new Probed(null, true);
        } catch (LinkageError | RuntimeException e) {
            return new Probed("native access failed: " + e, true);
        }
    }
}
