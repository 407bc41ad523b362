package dev.jaio.internal.uring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import dev.jaio.internal.linux.Arch;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.ProcFs;
import dev.jaio.internal.linux.UringAbi;
import dev.jaio.internal.linux.UringCalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The io_uring engine. */
public final class UringEngine implements EngineProvider {

    /** Selection name. */
    public static final String NAME = "uring";

    /** Opcodes every jaio request kind needs; a kernel missing one cannot run the engine. */
    private static final int[] REQUIRED_OPS = {
        UringAbi.IORING_OP_READ, UringAbi.IORING_OP_WRITE, UringAbi.IORING_OP_READV, UringAbi.IORING_OP_WRITEV,
        UringAbi.IORING_OP_FSYNC, UringAbi.IORING_OP_POLL_ADD, UringAbi.IORING_OP_ASYNC_CANCEL,
    };

    private static final class Probe {
        static final String CAUSE = probe();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "io_uring (shared SQ/CQ rings, batched io_uring_enter); asynchronous for buffered and O_DIRECT I/O";
    }

    @Override
    public String unavailabilityCause() {
        return Probe.CAUSE;
    }

    @Override
    public IoQueue openQueue(QueueOptions options) throws IOException {
        String cause = unavailabilityCause();
        if (cause != null) {
            throw new IOException("engine uring is not available: " + cause);
        }
        // An event loop (wakeup) always runs on its own platform thread, so it can be the ring's
        // single issuer; a caller-driven queue may be used from a virtual thread, which moves
        // between carrier threads, and then SINGLE_ISSUER would refuse it with EEXIST.
        boolean singleIssuer = options.wakeup() || !Thread.currentThread().isVirtual();
        return new UringQueue(options, singleIssuer);
    }

    /** The usual way out of an io_uring_setup failure, appended to its message. */
    static String remedy(int errno) {
        return switch (errno) {
            case Errno.EPERM -> "; io_uring is disabled for this process (kernel.io_uring_disabled="
                    + disabledSetting() + ", or a seccomp/LSM policy)";
            case Errno.ENOSYS -> "; the kernel has no io_uring (CONFIG_IO_URING off)";
            case Errno.ENOMEM -> "; the locked-memory limit (ulimit -l) is too low for the rings";
            default -> "";
        };
    }

    private static String disabledSetting() {
        OptionalLong v = ProcFs.number(Path.of("/proc/sys/kernel/io_uring_disabled"));
        return v.isPresent() ? Long.toString(v.getAsLong()) : "unknown";
    }

    private static String probe() {
        if (!Arch.LINUX) {
            return "io_uring is Linux-only (os.name=" + System.getProperty("os.name") + ")";
        }
        if (!Arch.X86_64 && !Arch.AARCH64) {
            return "no syscall numbers for architecture " + System.getProperty("os.arch");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(UringAbi.IO_URING_PARAMS);
            long fd = UringCalls.ioUringSetup(2, params);
            if (fd < 0) {
                return "io_uring_setup: " + Errno.describe((int) -fd) + remedy((int) -fd);
            }
            try {
                int ops = 256;
                MemorySegment probe = arena.allocate(UringAbi.IO_URING_PROBE.byteSize()
                        + UringAbi.IO_URING_PROBE_OP.byteSize() * ops, 8);
                long rc = UringCalls.ioUringRegister((int) fd, UringAbi.IORING_REGISTER_PROBE, probe, ops);
                if (rc < 0) {
                    return "io_uring_register(PROBE): " + Errno.describe((int) -rc) + " (kernel older than 5.6)";
                }
                int opsLen = Byte.toUnsignedInt(probe.get(JAVA_BYTE, UringAbi.PROBE_OPS_LEN));
                for (int op : REQUIRED_OPS) {
                    long entry = UringAbi.PROBE_OPS + UringAbi.IO_URING_PROBE_OP.byteSize() * op;
                    boolean supported = op < opsLen
                            && (probe.get(JAVA_SHORT, entry + UringAbi.PROBE_OP_FLAGS) & UringAbi.IO_URING_OP_SUPPORTED) != 0;
                    if (!supported) {
                        return "io_uring has no opcode " + op + " on this kernel";
                    }
                }
                return null;
            } finally {
                Libc.close((int) fd);
            }
        } catch (LinkageError | RuntimeException e) {
            return "native access failed: " + e;
        }
    }
}
