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
import java.nio.file.Files;
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
        return "io_uring (shared SQ/CQ rings, batched io_uring_enter); asynchronous for buffered and O_DIRECT I/O";
    }

    @Override
    public String unavailabilityCause() {
        Probed p = probed;
        if (p == null) {
            synchronized (UringEngine.class) {
                p = probed;
                if (p == null) {
                    p = probe();
                    if (p.lasting()) {
                        probed = p; // ENOMEM or EAGAIN from a limit others use may pass: ask again next time
                    }
                }
            }
        }
        return p.cause();
    }

    /**
     * An SQ of at least {@code capacity} entries (one more with a wakeup, whose READ stays armed),
     * rounded up to a power of two, must fit IORING_MAX_ENTRIES.
     */
    @Override
    public int maxCapacity(boolean wakeup) {
        return UringAbi.IORING_MAX_ENTRIES - (wakeup ? 1 : 0);
    }

    @Override
    public String capacityLimit(boolean wakeup) {
        return "an io_uring SQ has at most " + UringAbi.IORING_MAX_ENTRIES + " entries (IORING_MAX_ENTRIES)"
                + (wakeup ? " and the engine keeps one for its wakeup" : "");
    }

    @Override
    public IoQueue openQueue(QueueOptions options) throws IOException {
        String cause = unavailabilityCause();
        if (cause != null) {
            throw new IOException("engine uring is not available: " + cause);
        }
        // SINGLE_ISSUER binds the ring to the OS thread (task) that enables it, and the kernel
        // refuses io_uring_enter and io_uring_register from any other with EEXIST. Only a queue
        // owned by one platform thread for life (an event loop) may be bound: a virtual thread
        // runs on whichever carrier is free, and the thread that creates a caller-driven queue
        // says nothing about the thread that will drive it.
        return new UringQueue(options, options.platformOwner());
    }

    /** The usual way out of an io_uring_setup failure, appended to its message. */
    static String remedy(int errno) {
        return switch (errno) {
            case Errno.EPERM -> "; io_uring is disabled for this process (kernel.io_uring_disabled="
                    + disabledSetting() + ", or a seccomp/LSM policy)";
            case Errno.ENOSYS -> "; the kernel has no io_uring (CONFIG_IO_URING off)";
            case Errno.ENOMEM -> "; the locked-memory limit (ulimit -l, " + memlockLimit()
                    + ") is too low for the rings, with the rings this user already has";
            default -> "";
        };
    }

    /** RLIMIT_MEMLOCK as /proc/self/limits shows it ("Max locked memory  65536  65536  bytes"). */
    private static String memlockLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max locked memory")) {
                    String[] f = line.substring("Max locked memory".length()).trim().split("\\s+");
                    return f[0].equals("unlimited") ? "unlimited" : f[0] + " bytes";
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "unknown";
    }

    private static String disabledSetting() {
        OptionalLong v = ProcFs.number(Path.of("/proc/sys/kernel/io_uring_disabled"));
        return v.isPresent() ? Long.toString(v.getAsLong()) : "unknown";
    }

    /** Whether a setup failing with {@code errno} may succeed later: a limit other rings or processes hold. */
    static boolean passing(int errno) {
        return errno == Errno.ENOMEM || errno == Errno.EAGAIN || errno == Errno.EMFILE || errno == Errno.ENFILE
                || errno == Errno.EINTR;
    }

    /**
     * Whether io_uring works here at all: a 2-entry ring sets up and has the opcodes jaio needs.
     * What a real queue asks for (its size, its flags) is tried by opening it ({@code Engines.open}
     * falls back to the next engine when that fails).
     */
    private static Probed probe() {
        if (!Arch.LINUX) {
            return new Probed("io_uring is Linux-only (os.name=" + System.getProperty("os.name") + ")", true);
        }
        if (!Arch.X86_64 && !Arch.AARCH64) {
            return new Probed("no syscall numbers for architecture " + System.getProperty("os.arch"), true);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(UringAbi.IO_URING_PARAMS);
            long fd = UringCalls.ioUringSetup(2, params);
            if (fd < 0) {
                int errno = (int) -fd;
                return new Probed("io_uring_setup: " + Errno.describe(errno) + remedy(errno), !passing(errno));
            }
            try {
                int ops = 256;
                MemorySegment probe = arena.allocate(UringAbi.IO_URING_PROBE.byteSize()
                        + UringAbi.IO_URING_PROBE_OP.byteSize() * ops, 8);
                long rc = UringCalls.ioUringRegister((int) fd, UringAbi.IORING_REGISTER_PROBE, probe, ops);
                if (rc < 0) {
                    return new Probed("io_uring_register(PROBE): " + Errno.describe((int) -rc)
                            + " (kernel older than 5.6)", true);
                }
                int opsLen = Byte.toUnsignedInt(probe.get(JAVA_BYTE, UringAbi.PROBE_OPS_LEN));
                for (int op : REQUIRED_OPS) {
                    long entry = UringAbi.PROBE_OPS + UringAbi.IO_URING_PROBE_OP.byteSize() * op;
                    boolean supported = op < opsLen
                            && (probe.get(JAVA_SHORT, entry + UringAbi.PROBE_OP_FLAGS) & UringAbi.IO_URING_OP_SUPPORTED) != 0;
                    if (!supported) {
                        return new Probed("io_uring has no opcode " + op + " on this kernel", true);
                    }
                }
                return new Probed(null, true);
            } finally {
                Libc.close((int) fd);
            }
        } catch (LinkageError | RuntimeException e) {
            return new Probed("native access failed: " + e, true);
        }
    }
}
