package dev.jaio.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.EngineConfig;
import dev.jaio.IoEngine;
import dev.jaio.internal.provider.Engines;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Adversarial checks of {@link JaioAsynchronousFileChannel} against the JDK's contract and behaviour. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JaioChannelAdversarialTest {

    private static final int PAGE = 4096;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final OpenOption DIRECT = (OpenOption) Enum.valueOf((Class<? extends Enum>) extended(),
            "DIRECT");

    private static Class<?> extended() {
        try {
            return Class.forName("com.sun.nio.file.ExtendedOpenOption");
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    private Path dir;
    private IoEngine engine;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("jaio-nio-adv");
        String cause = Engines.byName("uring").unavailabilityCause();
        assumeTrue(cause == null, () -> "uring unavailable: " + cause);
        engine = IoEngine.open(EngineConfig.defaults().withEngine("uring"));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        engine.close();
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private JaioAsynchronousFileChannel open(Path p, OpenOption... options) throws IOException {
        OpenOption[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = JaioOpenOption.engine(engine);
        JaioAsynchronousFileChannel ch = JaioAsynchronousFileChannel.open(p, all);
        toClose.add(ch);
        return ch;
    }

    private Path file(String name, int size) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, new byte[size]);
        return p;
    }

    /**
     * lock(..., handler) throws OverlappingFileLockException to its caller; the JDK never invokes
     * that handler. jaio registered the operation as pending before the overlap check and never
     * took it out, so close() later "fails" it: the handler runs with AsynchronousCloseException for
     * an operation whose invocation already threw (and every refused lock leaks a Pending until close).
     */
    @Test
    void aLockRefusedWithOverlappingFileLockExceptionNeverRunsItsHandler() throws Exception {
        Path p = file("ofle", PAGE);
        // Handlers run on the thread that delivers (Inline): a handler close() would deliver to has
        // run by the time close() returns, so nothing needs to be waited for after it.
        JaioAsynchronousFileChannel ch = JaioAsynchronousFileChannel.open(p, java.util.Set.of(StandardOpenOption.READ,
                StandardOpenOption.WRITE, JaioOpenOption.engine(engine)), new Inline());
        toClose.add(ch);
        FileLock held = ch.tryLock(0, 100, false);
        assertNotNull(held);
        AtomicReference<String> ran = new AtomicReference<>();
        CompletionHandler<FileLock, Object> h = new CompletionHandler<>() {
            @Override
            public void completed(FileLock result, Object attachment) {
                ran.set("completed " + result);
            }

            @Override
            public void failed(Throwable exc, Object attachment) {
                ran.set("failed " + exc);
            }
        };
        assertThrows(OverlappingFileLockException.class, () -> ch.lock(50, 10, false, null, h));
        ch.close();
        assertNull(ran.get(), "the handler of a lock() call that threw must never run");
    }

    /** JDK: "If the position is non-negative and the size is zero, then a lock of size Long.MAX_VALUE - position is returned." */
    @Test
    void aLockOfSizeZeroHasTheSizeTheJdkGivesIt() throws Exception {
        Path p = file("zero", PAGE);
        AsynchronousFileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l = ch.tryLock(10, 0, false);
        assertNotNull(l);
        assertEquals(Long.MAX_VALUE - 10, l.size());
        l.release();
        FileLock f = ch.lock(10, 0, true).get(30, TimeUnit.SECONDS);
        assertEquals(Long.MAX_VALUE - 10, f.size());
    }

    /**
     * A size-0 lock holds every byte from its position on (the kernel's l_len 0), but jaio's JVM
     * table records it as covering nothing: another jaio channel's overlapping lock is not refused
     * with OverlappingFileLockException as FileLock's contract (and the JDK) requires; tryLock
     * returns null and lock() would wait for this JVM's own lock.
     */
    @Test
    void aLockOfSizeZeroOverlapsLaterLocksOfTheJvm() throws Exception {
        Path p = file("zero2", PAGE);
        AsynchronousFileChannel a = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        AsynchronousFileChannel b = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        assertNotNull(a.tryLock(0, 0, false));
        assertThrows(OverlappingFileLockException.class, () -> b.tryLock(100, 10, false));
    }

    /**
     * Worse, on the same channel: a.tryLock(100, 10) inside a's size-0 lock is granted (the JDK
     * throws OverlappingFileLockException), the kernel merges it into the OFD lock, and its release
     * unlocks [100, 110) of the outer lock, which still says isValid(): another process (here a
     * classic F_SETLK lock through the JDK's FileChannel, a different lock owner) can now lock those
     * bytes.
     */
    @Test
    void releasingALockInsideASizeZeroLockOfTheSameChannelPunchesAHoleInIt() throws Exception {
        Path p = file("zero3", PAGE);
        AsynchronousFileChannel a = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock outer = a.tryLock(0, 0, false);
        assertNotNull(outer);
        FileLock inner = null;
        try {
            inner = a.tryLock(100, 10, false);
        } catch (OverlappingFileLockException expected) {
            // the JDK's answer: nothing more to check
        }
        if (inner != null) {
            inner.release();
        }
        assertTrue(outer.isValid());
        try (FileChannel jdk = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock other = jdk.tryLock(100, 10, false);
            assertNull(other, "bytes 100..110 are inside a valid exclusive lock of channel a, yet another"
                    + " lock owner got them: " + other);
        }
    }

    /** An ExecutorService that runs each task at once on the submitting thread. */
    private static final class Inline extends AbstractExecutorService {
        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    /**
     * A read that failed with AsynchronousCloseException still moves its buffer's position
     * afterwards (the kernel's count arrives after close delivered the failure). In the JDK a
     * read that fails never advances the buffer; a handler that recycles the buffer on failure
     * sees its position change under it.
     */
    @Test
    void aReadFailedByCloseNeverMovesItsBufferAfterwards() throws Exception {
        Path p = dir.resolve("big");
        byte[] chunk = new byte[1 << 20];
        try (var out = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 64; i++) {
                out.write(ByteBuffer.wrap(chunk));
            }
            out.force(true);
        }
        ExecutorService inline = new Inline();
        int moved = 0;
        int failed = 0;
        for (int round = 0; round < 20 && moved == 0; round++) {
            JaioAsynchronousFileChannel ch = JaioAsynchronousFileChannel.open(p,
                    java.util.Set.of(StandardOpenOption.READ, DIRECT, JaioOpenOption.engine(engine)), inline);
            int n = 16;
            ByteBuffer[] bufs = new ByteBuffer[n];
            int[] atFailure = new int[n];
            Arrays.fill(atFailure, -1);
            for (int i = 0; i < n; i++) {
                bufs[i] = ByteBuffer.allocateDirect((4 << 20) + PAGE).alignedSlice(PAGE).limit(4 << 20);
                int k = i;
                ch.read(bufs[i], (long) (i % 16) * (4 << 20), null, new CompletionHandler<Integer, Object>() {
                    @Override
                    public void completed(Integer result, Object attachment) {
                    }

                    @Override
                    public void failed(Throwable exc, Object attachment) {
                        if (exc instanceof AsynchronousCloseException) {
                            atFailure[k] = bufs[k].position();
                        }
                    }
                });
            }
            ch.close();
            for (int i = 0; i < n; i++) {
                if (atFailure[i] >= 0) {
                    failed++;
                    if (bufs[i].position() != atFailure[i]) {
                        moved++;
                    }
                }
            }
        }
        assertTrue(failed > 0, "no read was pending at close: the check did not run");
        assertEquals(0, moved, "reads whose handler got AsynchronousCloseException, then whose buffer"
                + " position moved anyway (of " + failed + " failed)");
    }

    /** Exploration: what a few edge cases give (kept only as documentation of behaviour that held). */
    @Test
    void edgeCasesThatHeld() throws Exception {
        Path p = file("edge", 1000);
        AsynchronousFileChannel ch = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        assertEquals(-1, ch.read(ByteBuffer.allocate(100), Long.MAX_VALUE - 100).get(30, TimeUnit.SECONDS));
        Throwable t = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> ch.read(ByteBuffer.allocate(100), Long.MAX_VALUE - 50).get(30, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(IOException.class, t);
        ByteBuffer ro = ByteBuffer.wrap(new byte[] {1, 2, 3}).asReadOnlyBuffer();
        assertEquals(3, ch.write(ro, 0).get(30, TimeUnit.SECONDS));
        ByteBuffer slice = ByteBuffer.allocateDirect(64).position(10).limit(20).slice();
        assertEquals(10, ch.read(slice, 0).get(30, TimeUnit.SECONDS));
        FileLock whole = ch.lock().get(30, TimeUnit.SECONDS);
        assertEquals(Long.MAX_VALUE, whole.size());
        whole.release();
        ch.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, whole::release);
    }

    /**
     * ext4's largest file is 16 TiB: the JDK's channel (pwrite) fails a write at 2^50 with
     * IOException "File too large" (EFBIG), and jaio's plain channel does too; a CACHED channel
     * should not report the bytes written.
     */
    @Test
    void aCachedWritePastTheFileSystemsLargestFileFails() throws Exception {
        Path p = file("huge", 10);
        AsynchronousFileChannel plain = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Throwable t1 = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> plain.write(ByteBuffer.wrap(new byte[] {1}), 1L << 50).get(30, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(IOException.class, t1);
        AsynchronousFileChannel cached = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE,
                JaioOpenOption.CACHED);
        java.util.concurrent.Future<Integer> w = cached.write(ByteBuffer.wrap(new byte[] {1}), 1L << 50);
        Object outcome;
        try {
            outcome = w.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            outcome = e.getCause();
        }
        String size;
        try {
            size = String.valueOf(cached.size());
        } catch (IOException e) {
            size = e.toString();
        }
        String forced;
        try {
            cached.force(true);
            forced = "ok";
        } catch (IOException e) {
            forced = e.toString();
        }
        assertInstanceOf(IOException.class, outcome, "write at 2^50 gave " + outcome + "; size() then " + size
                + ", force(true) then " + forced + ", size on disk " + Files.size(p));
    }

    /**
     * A lock() that waits is cancelled: its waiting thread takes the lock out of the JVM's table
     * first and unlocks the range in the kernel after. A tryLock of the same range on the same
     * channel in between is granted (the same open file description) and then silently unlocked
     * by that late unlock: the FileLock says valid while another owner can take the bytes.
     */
    @Test
    void aCancelledWaitingLockNeverUnlocksALockGrantedAfterIt() throws Exception {
        Path p = file("cancel", PAGE);
        AsynchronousFileChannel a = open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int lost = 0;
        int rounds = 0;
        try (FileChannel jdk = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (; rounds < 100 && lost == 0; rounds++) {
                FileLock other = jdk.lock(0, 10, false);
                java.util.concurrent.Future<FileLock> waiting = a.lock(0, 10, false);
                Thread.sleep(1 + rounds % 5);
                assertTrue(waiting.cancel(false));
                other.release();
                FileLock mine = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (mine == null && System.nanoTime() < deadline) {
                    try {
                        mine = a.tryLock(0, 10, false);
                    } catch (OverlappingFileLockException stillInTable) {
                        Thread.onSpinWait();
                    }
                }
                assertNotNull(mine);
                // No wait for the given-up waiter: it unlocks before it leaves the JVM's table,
                // and the tryLock above got in only once the entry was gone. (With the other order
                // its late unlock landed here, and the probe found the range free.)
                FileLock probe = jdk.tryLock(0, 10, false);
                if (probe != null) {
                    lost++;
                    probe.release();
                }
                assertTrue(mine.isValid());
                mine.release();
            }
        }
        assertEquals(0, lost, "rounds in which a valid jaio lock had been unlocked in the kernel (of " + rounds + ")");
    }

    /**
     * The JDK's sun.nio.ch.ThreadPool.createDefault() reads a negative
     * java.nio.channels.DefaultThreadPool.initialSize as "the number of processors"; a JVM started
     * with -Djava.nio.channels.DefaultThreadPool.initialSize=-1 works with the JDK's channels but
     * jaio's default executor throws an Error from its first channel open (Holder's static init:
     * then NoClassDefFoundError for every later open).
     */
    @Test
    void aNegativeInitialSizeMeansTheDefaultAsInTheJdk() {
        ExecutorService pool = HandlerPool.create(null, "-1");
        pool.shutdownNow();
    }

    /**
     * The JDK's UnixChannelFactory unlinks a DELETE_ON_CLOSE file right after the open and ignores
     * a failure to (a read-only file system, a directory the user may not write, here /proc):
     * AsynchronousFileChannel.open(/proc/self/status, READ, DELETE_ON_CLOSE) returns a channel.
     * jaio's open closes the file and throws the unlink's exception instead.
     */
    @Test
    void aDeleteOnCloseThatCannotDeleteStillOpensAsInTheJdk() throws Exception {
        Path undeletable = Path.of("/proc/self/status");
        try (AsynchronousFileChannel jdk = AsynchronousFileChannel.open(undeletable, StandardOpenOption.READ,
                StandardOpenOption.DELETE_ON_CLOSE)) {
            assertTrue(jdk.isOpen());
        }
        AsynchronousFileChannel ch = open(undeletable, StandardOpenOption.READ, StandardOpenOption.DELETE_ON_CLOSE);
        assertTrue(ch.isOpen());
    }
}
