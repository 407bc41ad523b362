package dev.jaio.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Adversarial checks of {@link JaioFileChannel} and {@link JaioFileSystemProvider} against the JDK. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JaioFileChannelAdversarialTest {

    private static final java.nio.charset.Charset UTF8 = java.nio.charset.StandardCharsets.UTF_8;

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("jaio-fc-adv");
    }

    @AfterEach
    void tearDown() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static FileSystem jaioFs() {
        return new JaioFileSystemProvider(FileSystems.getDefault().provider()).fileSystem();
    }

    /** /proc files are regular files of size 0; the JDK's transferTo copies them (its read loop). */
    @Test
    void transferToOfAProcFileCopiesItsContentAsTheJdk() throws Exception {
        Path proc = Path.of("/proc/self/status");
        ByteArrayOutputStream jdk = new ByteArrayOutputStream();
        try (FileChannel ch = FileChannel.open(proc)) {
            assertTrue(ch.transferTo(0, Long.MAX_VALUE, Channels.newChannel(jdk)) > 0, "the JDK copies");
        }
        // Under the switch, FileChannel.open of /proc/self/status is a JaioFileChannel (regularOrMissing).
        FileSystem fs = jaioFs();
        try (FileChannel ch = fs.provider().newFileChannel(fs.getPath("/proc/self/status"),
                java.util.Set.of(StandardOpenOption.READ))) {
            assertInstanceOf(JaioFileChannel.class, ch, "README says /proc gets the platform's channel");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long n = ch.transferTo(0, Long.MAX_VALUE, Channels.newChannel(out));
            assertTrue(n > 0, "jaio's transferTo of /proc/self/status copied " + n + " bytes");
        }
    }

    /** The WatchService tutorial idiom: dir.resolve(event.context()). */
    @Test
    void aWatchEventsContextResolvesAgainstTheRegisteredDirectory() throws Exception {
        FileSystem fs = jaioFs();
        Path d = fs.getPath(dir.toString());
        try (WatchService ws = fs.newWatchService()) {
            WatchKey key = d.register(ws, StandardWatchEventKinds.ENTRY_CREATE);
            Files.writeString(d.resolve("created"), "x");
            WatchKey got = ws.poll(30, TimeUnit.SECONDS);
            assertEquals(key, got);
            WatchEvent<?> ev = got.pollEvents().getFirst();
            Path name = (Path) ev.context();
            assertEquals(d.resolve("created"), d.resolve(name)); // ProviderMismatchException under jaio
            assertEquals(d, got.watchable(), "the JDK's watchable is the registered path");
        }
    }

    /** The platform's Linux directory streams are SecureDirectoryStreams (Guava's deleteRecursively needs one). */
    @Test
    void aDirectoryStreamIsASecureDirectoryStreamAsThePlatforms() throws Exception {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            assertInstanceOf(SecureDirectoryStream.class, s, "the JDK's");
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(jaioFs().getPath(dir.toString()))) {
            assertInstanceOf(SecureDirectoryStream.class, s, "jaio's provider");
        }
    }

    @Test
    void isSameFileWithNullThrowsNullPointerExceptionAsTheJdk() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        assertThrows(NullPointerException.class, () -> Files.isSameFile(f, null), "the JDK");
        Path jf = jaioFs().getPath(f.toString());
        assertThrows(NullPointerException.class, () -> Files.isSameFile(jf, null), "jaio");
    }

    /** A gathering write on an O_APPEND channel is one writev in the JDK: atomic against other appenders. */
    @Test
    void aGatheringAppendIsNotInterleavedWithAnotherAppendersWrites() throws Exception {
        gatheringAppends(dir.resolve("jdk.log"), false); // the JDK's writev: holds
        gatheringAppends(dir.resolve("jaio.log"), true);
    }

    private void gatheringAppends(Path f, boolean jaio) throws Exception {
        Files.createFile(f);
        int rounds = 300;
        int part = 4096;
        try (FileChannel a = jaio ? JaioFileChannel.open(f, StandardOpenOption.APPEND)
                        : FileChannel.open(f, StandardOpenOption.APPEND);
                FileChannel b = jaio ? JaioFileChannel.open(f, StandardOpenOption.APPEND)
                        : FileChannel.open(f, StandardOpenOption.APPEND)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            AtomicReference<Throwable> err = new AtomicReference<>();
            for (FileChannel ch : List.of(a, b)) {
                byte tag = (byte) (ch == a ? 'A' : 'B');
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < rounds; i++) {
                            ByteBuffer h = ByteBuffer.allocateDirect(part);
                            ByteBuffer t = ByteBuffer.allocateDirect(part);
                            while (h.hasRemaining()) {
                                h.put(tag);
                            }
                            while (t.hasRemaining()) {
                                t.put((byte) (tag + 32)); // 'a' / 'b': the record's second half
                            }
                            h.flip();
                            t.flip();
                            ch.write(new ByteBuffer[] {h, t});
                        }
                    } catch (Throwable e) {
                        err.set(e);
                    }
                }));
            }
            go.countDown();
            for (Thread t : ts) {
                t.join();
            }
            if (err.get() != null) {
                throw new AssertionError(err.get());
            }
        }
        byte[] all = Files.readAllBytes(f);
        assertEquals(2L * rounds * 2 * part, all.length);
        for (int r = 0; r < all.length; r += 2 * part) {
            byte head = all[r];
            byte tail = all[r + part];
            if (tail != head + 32) {
                fail((jaio ? "jaio" : "the JDK") + ": record at " + r + " starts with '" + (char) head + "' but its second half is '" + (char) tail
                        + "': another channel's append came between the two buffers of one gathering write");
            }
        }
    }

    /** The JDK's read at a position far past the end is -1 (pread returns 0). */
    @Test
    void aPositionalReadFarPastTheEndReturnsMinusOneAsTheJdk() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "hello");
        try (FileChannel ch = FileChannel.open(f)) {
            assertEquals(-1, ch.read(ByteBuffer.allocate(16), 1L << 50), "the JDK");
        }
        try (FileChannel ch = JaioFileChannel.open(f)) {
            assertEquals(-1, ch.read(ByteBuffer.allocate(16), 1L << 50), "jaio");
        }
    }

    /** The JDK checks that the channel is open first: a closed channel says so, whatever else is wrong. */
    @Test
    void aClosedChannelThrowsClosedChannelExceptionBeforeNonReadableOrNonWritable() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "hello");
        FileChannel jdkW = FileChannel.open(f, StandardOpenOption.WRITE);
        jdkW.close();
        assertThrows(ClosedChannelException.class, () -> jdkW.read(ByteBuffer.allocate(1)), "the JDK");
        FileChannel jdkR = FileChannel.open(f, StandardOpenOption.READ);
        jdkR.close();
        assertThrows(ClosedChannelException.class, () -> jdkR.truncate(0), "the JDK");
        assertThrows(ClosedChannelException.class, () -> jdkR.lock(), "the JDK");
        FileChannel w = JaioFileChannel.open(f, StandardOpenOption.WRITE);
        w.close();
        assertThrows(ClosedChannelException.class, () -> w.read(ByteBuffer.allocate(1)), "jaio read");
        FileChannel r = JaioFileChannel.open(f, StandardOpenOption.READ);
        r.close();
        assertThrows(ClosedChannelException.class, () -> r.truncate(0), "jaio truncate");
        assertThrows(ClosedChannelException.class, () -> r.lock(), "jaio lock");
    }

    /** An interrupted lock wait leaves no entry in the JVM's table: the region can be locked again. */
    @Test
    void anInterruptedLockWaitLeavesTheTableClean() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "hello");
        try (FileChannel holder = FileChannel.open(f, StandardOpenOption.WRITE)) { // the JDK's: kernel conflict only
            FileLock held = holder.lock();
            FileChannel waiter = JaioFileChannel.open(f, StandardOpenOption.WRITE);
            AtomicReference<Throwable> got = new AtomicReference<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    waiter.lock();
                } catch (Throwable e) {
                    got.set(e);
                }
            });
            while (t.getState() != Thread.State.TIMED_WAITING && t.isAlive()) {
                Thread.onSpinWait(); // until it waits between two tries of the lock
            }
            t.interrupt();
            t.join(10_000);
            assertInstanceOf(FileLockInterruptionException.class, got.get());
            assertTrue(!waiter.isOpen());
            held.release();
            try (FileChannel again = JaioFileChannel.open(f, StandardOpenOption.WRITE); FileLock l = again.lock()) {
                assertTrue(l.isValid());
            }
        }
    }

    /** A target that is not interruptible itself. */
    private static java.nio.channels.WritableByteChannel sink() {
        return new java.nio.channels.WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                src.position(src.limit());
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    /** Interrupts at random moments of reads, writes, forces and transfers: none hangs, none returns after closing. */
    @Test
    void interruptsAtRandomMomentsNeverHangOrReturnDataAfterClose() throws Exception {
        Path f = dir.resolve("f");
        byte[] data = new byte[1 << 20];
        new java.util.Random(1).nextBytes(data);
        Files.write(f, data);
        java.util.Random rnd = new java.util.Random(2);
        int closedByInterrupt = 0;
        for (int i = 0; i < 300; i++) {
            FileChannel ch = JaioFileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
            int op = i % 4;
            AtomicReference<Throwable> err = new AtomicReference<>();
            AtomicReference<String> bad = new AtomicReference<>();
            Thread t = (i % 2 == 0 ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
                try {
                    for (int k = 0; k < 1000; k++) {
                        b.clear();
                        switch (op) {
                            case 0 -> ch.read(b, (k * 4096L) % data.length);
                            case 1 -> ch.write(b, (k * 4096L) % data.length);
                            case 2 -> ch.force(false);
                            default -> ch.transferTo(0, 128 * 1024, sink());
                        }
                        if (!ch.isOpen()) {
                            bad.set("op " + op + " returned normally on a closed channel");
                        }
                    }
                } catch (Throwable e) {
                    err.set(e);
                    if (e instanceof java.nio.channels.ClosedByInterruptException && b.position() != 0) {
                        bad.set("buffer moved " + b.position());
                    }
                }
            });
            Thread.sleep(0, rnd.nextInt(999_999));
            t.interrupt();
            t.join(20_000);
            assertTrue(!t.isAlive(), "op " + op + " hangs after an interrupt");
            if (err.get() instanceof java.nio.channels.ClosedByInterruptException) {
                closedByInterrupt++;
            } else if (err.get() != null) {
                throw new AssertionError("op " + op, err.get());
            }
            // bad.get() is informational: a returned op may race with the interrupt closing the channel.
            if (ch.isOpen() && err.get() != null) {
                throw new AssertionError("iteration " + i + ", op " + op + " (" + (i % 2 == 0 ? "virtual" : "platform")
                        + "): " + err.get() + " but the channel is still open", err.get());
            }
            ch.close();
        }
        assertTrue(closedByInterrupt > 0);
    }

    /** A target that takes {@code limit} bytes and then fails. */
    private static java.nio.channels.WritableByteChannel failingAfter(long limit) {
        return new java.nio.channels.WritableByteChannel() {
            long taken;

            @Override
            public int write(ByteBuffer src) throws IOException {
                if (taken >= limit) {
                    throw new IOException("target full");
                }
                int n = (int) Math.min(src.remaining(), limit - taken);
                src.position(src.position() + n);
                taken += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    /** The JDK's transferTo returns what it wrote when the target fails after some bytes, so nothing is lost. */
    @Test
    void transferToReturnsTheBytesWrittenWhenTheTargetFailsPartWayAsTheJdk() throws Exception {
        Path f = dir.resolve("f");
        Files.write(f, new byte[1 << 20]);
        try (FileChannel ch = FileChannel.open(f)) {
            assertEquals(300_000, ch.transferTo(0, 1 << 20, failingAfter(300_000)), "the JDK");
        }
        try (FileChannel ch = JaioFileChannel.open(f)) {
            assertEquals(300_000, ch.transferTo(0, 1 << 20, failingAfter(300_000)), "jaio");
        }
    }

    /** Under the switch, the paths a WatchService hands back are the platform's, not the default file system's. */
    @Test
    void underTheSwitchWatchServicePathsAreOfTheDefaultFileSystem() throws Exception {
        String program = """
                import java.nio.file.*;
                import java.util.concurrent.TimeUnit;
                public class Watch {
                    public static void main(String[] args) throws Exception {
                        Path dir = Path.of(args[0]);
                        try (WatchService ws = FileSystems.getDefault().newWatchService()) {
                            dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE);
                            Files.writeString(dir.resolve("c"), "x");
                            WatchKey k = ws.poll(30, TimeUnit.SECONDS);
                            Path w = (Path) k.watchable();
                            Path c = (Path) k.pollEvents().get(0).context();
                            System.out.println("watchable default fs: " + (w.getFileSystem() == FileSystems.getDefault()));
                            try { System.out.println("watchable toFile: " + w.toFile()); } catch (Exception e) { System.out.println("watchable toFile: " + e); }
                            try { System.out.println("dir.resolve(context): " + dir.resolve(c)); } catch (Exception e) { System.out.println("dir.resolve(context): " + e); }
                            System.out.println("watchable equals dir: " + w.equals(dir));
                        }
                    }
                }
                """;
        Path src = dir.resolve("Watch.java");
        Files.writeString(src, program);
        Path watched = Files.createDirectory(dir.resolve("watched"));
        Path classes = Path.of(JaioFileSystemProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", classes.toString(), "--enable-native-access=ALL-UNNAMED",
                "-Djava.nio.file.spi.DefaultFileSystemProvider=dev.jaio.nio.JaioFileSystemProvider", src.toString(),
                watched.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        // Without the switch the JDK prints: true, /tmp/.../watched, /tmp/.../watched/c, true.
        assertEquals(List.of("watchable default fs: true", "watchable toFile: " + watched,
                "dir.resolve(context): " + watched.resolve("c"), "watchable equals dir: true"), out.lines().toList(), out);
    }

    /** A source that gives {@code limit} bytes and then fails. */
    private static java.nio.channels.ReadableByteChannel failingSourceAfter(long limit) {
        return new java.nio.channels.ReadableByteChannel() {
            long given;

            @Override
            public int read(ByteBuffer dst) throws IOException {
                if (given >= limit) {
                    throw new IOException("source broken");
                }
                int n = (int) Math.min(dst.remaining(), limit - given);
                dst.position(dst.position() + n);
                given += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    /** The JDK's transferFrom returns what it wrote when the source fails after some bytes (they are in the file). */
    @Test
    void transferFromReturnsTheBytesWrittenWhenTheSourceFailsPartWayAsTheJdk() throws Exception {
        Path f = dir.resolve("f");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            assertEquals(300_000, ch.transferFrom(failingSourceAfter(300_000), 0, 1 << 20), "the JDK");
        }
        try (FileChannel ch = JaioFileChannel.open(f, StandardOpenOption.WRITE)) {
            assertEquals(300_000, ch.transferFrom(failingSourceAfter(300_000), 0, 1 << 20), "jaio");
        }
    }
}
