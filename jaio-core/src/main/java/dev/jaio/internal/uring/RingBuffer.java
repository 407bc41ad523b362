package dev.jaio.internal.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Iovec;
import dev.jaio.internal.linux.Libc;
import dev.jaio.internal.linux.Mman;
import dev.jaio.internal.linux.UringAbi;
import dev.jaio.internal.linux.UringCalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One io_uring instance: its descriptor, the setup flags the kernel accepted, the features it
 * reported, and its {@link SubmissionQueue} and {@link CompletionQueue} over the rings mapped
 * into this process.
 *
 * <h2>Mappings</h2>
 * The SQ ring, the CQ ring (the same mapping with IORING_FEAT_SINGLE_MMAP) and the SQE array are
 * mapped once, by {@link #open}, and unmapped by {@link #close()}, which the owner calls only once
 * the kernel has posted the CQE of every request it took: until then it may still read SQEs and
 * write CQEs.
 *
 * <h2>Threads</h2>
 * The kernel knows OS threads (tasks), not Java threads. With IORING_SETUP_SINGLE_ISSUER it binds
 * the ring to one task and refuses io_uring_enter and io_uring_register from any other with
 * EEXIST, so only a queue whose owner is one platform thread for life
 * ({@code QueueOptions.platformOwner()}, an event loop) asks for it, with DEFER_TASKRUN, which
 * needs it. The ring is then created disabled (IORING_SETUP_R_DISABLED) and {@link #enable()}d by
 * its owner's first call, so the kernel binds it to the thread that really drives it, not the one
 * that made it; with DEFER_TASKRUN, completion work runs only when that thread enters the kernel,
 * which every reap does when the ring's TASKRUN flag says work is pending. Any other ring
 * (IoContext's) is bound to no task: its owner may be a virtual thread, whose calls come from
 * whichever carrier it is mounted on, and every call of the ring (submit, wait, register, close)
 * may come from a different one. Task work then runs with COOP_TASKRUN on the task that submitted
 * the request.
 */
final class RingBuffer {

    /** The ring's descriptor. */
    final int fd;
    /** The IORING_SETUP_* flags the kernel accepted. */
    final int setupFlags;
    /** The IORING_FEAT_* flags the kernel reported. */
    final int features;
    final SubmissionQueue sq;
    final CompletionQueue cq;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    /** The owner's first call came: the ring is enabled and, with SINGLE_ISSUER, bound to that thread. */
    private boolean enabled;

    private RingBuffer(int fd, int setupFlags, int features, MemorySegment sqRing, MemorySegment cqRing,
            MemorySegment sqes, MemorySegment params, Arena arena) {
        this.fd = fd;
        this.setupFlags = setupFlags;
        this.features = features;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.sq = new SubmissionQueue(fd, setupFlags, sqRing, sqes, params, arena);
        this.cq = new CompletionQueue(cqRing, params);
    }

    /**
     * Sets up a ring for {@code capacity} requests (one SQE more with a wakeup READ, rounded up to
     * a power of two) and twice as many CQEs, with the best setup flags this kernel accepts (see
     * {@link #flagCandidates}), and maps it.
     *
     * @param arena where the small arguments of the ring's system calls live, as long as the ring
     * @throws IOException when the SQ would exceed IORING_MAX_ENTRIES, or io_uring_setup or a
     *     mapping fails; nothing is left open then
     */
    static RingBuffer open(int capacity, boolean withWakeup, boolean singleIssuer, int sqPollIdleMillis, Arena arena)
            throws IOException {
        int wanted = capacity + (withWakeup ? 1 : 0);
        int sqEntries = Integer.highestOneBit(Math.max(1, wanted - 1)) << 1;
        if (sqEntries > UringAbi.IORING_MAX_ENTRIES) {
            throw new IOException("io_uring queue of " + capacity + " requests" + (withWakeup ? " (plus the wakeup)" : "")
                    + " needs an SQ of " + sqEntries + " entries; the kernel allows at most "
                    + UringAbi.IORING_MAX_ENTRIES + " (IORING_MAX_ENTRIES)");
        }
        try (Arena setup = Arena.ofConfined()) {
            MemorySegment params = setup.allocate(UringAbi.IO_URING_PARAMS);
            long fd = -Errno.EINVAL;
            int flags = 0;
            for (int candidate : flagCandidates(singleIssuer, sqPollIdleMillis > 0)) {
                params.fill((byte) 0);
                params.set(JAVA_INT, UringAbi.PARAMS_CQ_ENTRIES, 2 * sqEntries);
                params.set(JAVA_INT, UringAbi.PARAMS_FLAGS, candidate);
                params.set(JAVA_INT, UringAbi.PARAMS_SQ_THREAD_IDLE, sqPollIdleMillis);
                fd = UringCalls.ioUringSetup(sqEntries, params);
                flags = candidate;
                if (fd != -Errno.EINVAL) {
                    break; // EINVAL: an older kernel without one of the flags; try fewer
                }
            }
            if (fd < 0) {
                // Name the caller's number: the SQ and CQ sizes are derived from it.
                throw new IOException("io_uring_setup for a queue of " + capacity + " requests (SQ " + sqEntries
                        + " entries, CQ " + 2 * sqEntries + ") failed: " + Errno.describe((int) -fd)
                        + UringEngine.remedy((int) -fd));
            }
            return map((int) fd, flags, params, arena);
        }
    }

    /** Setup flags to try, best first; each later entry drops what older kernels reject with EINVAL. */
    private static int[] flagCandidates(boolean singleIssuer, boolean sqPoll) {
        int disabled = UringAbi.IORING_SETUP_R_DISABLED | UringAbi.IORING_SETUP_CQSIZE;
        if (sqPoll) {
            // The task-run flags concern the submitting task's interrupts; with SQPOLL the kernel
            // thread submits, and io_uring_setup rejects them.
            return new int[] {disabled | UringAbi.IORING_SETUP_SQPOLL,
                UringAbi.IORING_SETUP_CQSIZE | UringAbi.IORING_SETUP_SQPOLL};
        }
        int defer = UringAbi.IORING_SETUP_SINGLE_ISSUER | UringAbi.IORING_SETUP_DEFER_TASKRUN
                | UringAbi.IORING_SETUP_TASKRUN_FLAG;
        int coop = UringAbi.IORING_SETUP_COOP_TASKRUN | UringAbi.IORING_SETUP_TASKRUN_FLAG;
        return singleIssuer
                ? new int[] {disabled | defer, disabled | coop, disabled, UringAbi.IORING_SETUP_CQSIZE}
                : new int[] {disabled | coop, disabled, UringAbi.IORING_SETUP_CQSIZE};
    }

    /** Maps the rings of the new descriptor {@code fd}; on failure unmaps what it mapped and closes {@code fd}. */
    private static RingBuffer map(int fd, int flags, MemorySegment params, Arena arena) throws IOException {
        int features = params.get(JAVA_INT, UringAbi.PARAMS_FEATURES);
        MemorySegment sqRing = null;
        MemorySegment cqRing = null;
        MemorySegment sqes = null;
        try {
            long sqSize = SubmissionQueue.ringBytes(params);
            long cqSize = CompletionQueue.ringBytes(params);
            boolean single = (features & UringAbi.IORING_FEAT_SINGLE_MMAP) != 0;
            if (single) {
                sqSize = Math.max(sqSize, cqSize);
            }
            sqRing = map(fd, sqSize, UringAbi.IORING_OFF_SQ_RING);
            cqRing = single ? sqRing : map(fd, cqSize, UringAbi.IORING_OFF_CQ_RING);
            sqes = map(fd, SubmissionQueue.sqesBytes(params), UringAbi.IORING_OFF_SQES);
            return new RingBuffer(fd, flags, features, sqRing, cqRing, sqes, params, arena);
        } catch (IOException | RuntimeException | Error e) {
            unmap(sqRing, cqRing, sqes);
            Libc.close(fd);
            throw e;
        }
    }

    private static MemorySegment map(int fd, long size, long offset) throws IOException {
        long addr = Mman.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED | Mman.MAP_POPULATE,
                fd, offset);
        if (addr < 0) {
            throw new IOException("mmap of io_uring ring (" + size + " bytes at 0x" + Long.toHexString(offset)
                    + ") failed: " + Errno.describe((int) -addr));
        }
        return Mman.segment(addr, size);
    }

    /** Unmaps whichever of the mappings exist (null: never mapped); {@code cqRing} may be {@code sqRing}'s. */
    private static void unmap(MemorySegment sqRing, MemorySegment cqRing, MemorySegment sqes) {
        if (sqes != null) {
            Mman.munmap(sqes.address(), sqes.byteSize());
        }
        if (cqRing != null && cqRing != sqRing) {
            Mman.munmap(cqRing.address(), cqRing.byteSize());
        }
        if (sqRing != null) {
            Mman.munmap(sqRing.address(), sqRing.byteSize());
        }
    }

    /** Whether {@link #enable()} ran: the owner made its first call. */
    boolean enabled() {
        return enabled;
    }

    /**
     * Enables the ring on the owner's first call (every call of the queue comes through here): a
     * ring created disabled is enabled now, which binds a SINGLE_ISSUER ring to the calling thread.
     *
     * @throws IllegalStateException when a virtual thread would drive a SINGLE_ISSUER ring, or
     *     IORING_REGISTER_ENABLE_RINGS fails
     */
    void enable() {
        if (!enabled) {
            enableNow(); // once: the check above is all the other calls pay
        }
    }

    private void enableNow() {
        if ((setupFlags & UringAbi.IORING_SETUP_SINGLE_ISSUER) != 0 && Thread.currentThread().isVirtual()) {
            // Bound to the carrier it runs on now, the ring would refuse it (EEXIST) on the next.
            throw new IllegalStateException("an io_uring ring with IORING_SETUP_SINGLE_ISSUER cannot be driven by"
                    + " virtual thread " + Thread.currentThread() + ": it changes OS thread as it runs");
        }
        enabled = true;
        if ((setupFlags & UringAbi.IORING_SETUP_R_DISABLED) != 0) {
            long rc = register(UringAbi.IORING_REGISTER_ENABLE_RINGS);
            if (rc < 0) {
                throw new IllegalStateException("io_uring_register(ENABLE_RINGS) failed: " + Errno.describe((int) -rc));
            }
        }
    }

    /** io_uring_register of {@code buffers} for READ_FIXED / WRITE_FIXED; 0 or -errno. */
    long registerBuffers(MemorySegment[] buffers) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = a.allocate(Iovec.IOVEC.byteSize() * buffers.length, 8);
            Iovec.fill(iov, buffers);
            return UringCalls.ioUringRegister(fd, UringAbi.IORING_REGISTER_BUFFERS, iov, buffers.length);
        }
    }

    /** io_uring_register of {@code fds} for IOSQE_FIXED_FILE; 0 or -errno. */
    long registerFiles(int[] fds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arr = a.allocate(4L * fds.length, 4);
            for (int i = 0; i < fds.length; i++) {
                arr.set(JAVA_INT, 4L * i, fds[i]);
            }
            return UringCalls.ioUringRegister(fd, UringAbi.IORING_REGISTER_FILES, arr, fds.length);
        }
    }

    /** io_uring_register {@code opcode} without an argument (ENABLE_RINGS, UNREGISTER_*); 0 or -errno. */
    long register(int opcode) {
        return UringCalls.ioUringRegister(fd, opcode, MemorySegment.NULL, 0);
    }

    /** Unmaps the rings and closes the descriptor: only once the kernel is done with every request. */
    void close() {
        unmap(sqRing, cqRing, sqes);
        Libc.close(fd);
    }
}
