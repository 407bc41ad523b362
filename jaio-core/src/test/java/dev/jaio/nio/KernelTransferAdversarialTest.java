package dev.jaio.nio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jaio.EngineConfig;
import dev.jaio.IoEngine;
import dev.jaio.internal.provider.Engines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Adversarial checks of {@link JaioFileChannel#transferTo} and {@link JaioFileChannel#transferFrom}
 * (the kernel's copies through the JDK's channel of the open file, and the buffered fallback),
 * side by side with the JDK's own {@code FileChannel} wherever the JDK defines the behaviour.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KernelTransferAdversarialTest {

    private static final int PAGE = 4096;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final OpenOption JDK_DIRECT = (OpenOption) Enum.valueOf((Class<? extends Enum>) loadClass(
            "com.sun.nio.file.ExtendedOpenOption"), "DIRECT");

    private static Class<?> loadClass(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    private Path dir;
    private IoEngine engine;
    private IoEngine engine2;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("jaio-kt-adv");
        engine = newEngine("uring");
        engine2 = newEngine("threads");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception ignored) {
                // closed already
            }
        }
        engine.close();
        engine2.close();
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static IoEngine newEngine(String name) throws IOException {
        String cause = Engines.byName(name).unavailabilityCause();
        if (cause != null) {
            name = "threads";
        }
        return IoEngine.open(EngineConfig.defaults().withEngine(name));
    }

    private JaioFileChannel jaio(IoEngine e, Path p, OpenOption... options) throws IOException {
        OpenOption[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = JaioOpenOption.engine(e);
        JaioFileChannel ch = JaioFileChannel.open(p, all);
        toClose.add(ch);
        return ch;
    }

    private JaioFileChannel jaio(Path p, OpenOption... options) throws IOException {
        return jaio(engine, p, options);
    }

    private FileChannel jdk(Path p, OpenOption... options) throws IOException {
        FileChannel ch = FileChannel.open(p, options);
        toClose.add(ch);
        return ch;
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The outcome of a call: its value, or what it threw (equal to another throw of the same class). */
    private static Object outcome(Callable<?> c) {
        try {
            return c.call();
        } catch (Throwable t) {
            return new Threw(t);
        }
    }

    /** A throw, equal to a throw of the same class; its message is shown. */
    private record Threw(Throwable t) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Threw other && other.t.getClass() == t.getClass();
        }

        @Override
        public int hashCode() {
            return t.getClass().hashCode();
        }

        @Override
        public String toString() {
            return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : "(" + t.getMessage() + ")");
        }
    }

    // ---- edge positions and counts, against the JDK ----

    /** One transfer call on a channel of either kind: the two files start alike and must end alike. */
    private interface Op {
        Object run(FileChannel ch, Path other) throws Exception;
    }

    private void sideBySide(String what, byte[] content, Op op, OpenOption... options) throws Exception {
        Path pj = file("jdk-" + what, content);
        Path pa = file("jaio-" + what, content);
        Object expected;
        try (FileChannel ch = FileChannel.open(pj, options)) {
            expected = outcome(() -> op.run(ch, pj));
        }
        Object actual;
        try (FileChannel ch = JaioFileChannel.open(pa, withEngine(options))) {
            actual = outcome(() -> op.run(ch, pa));
        }
        if (!expected.equals(actual)) {
            mismatches.add(what + ": the JDK's outcome " + expected + ", jaio's " + actual);
        } else if (!Arrays.equals(Files.readAllBytes(pj), Files.readAllBytes(pa))) {
            mismatches.add(what + ": the files differ (both " + expected + ")");
        }
    }

    /** What {@link #sideBySide} found different from the JDK. */
    private final List<String> mismatches = new ArrayList<>();

    private void assertNoMismatch() {
        assertTrue(mismatches.isEmpty(), () -> mismatches.size() + " differences from the JDK:\n"
                + String.join("\n", mismatches));
    }

    private OpenOption[] withEngine(OpenOption... options) {
        OpenOption[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = JaioOpenOption.engine(engine);
        return all;
    }

    @Test
    void edgePositionsAndCountsAsTheJdk() throws Exception {
        byte[] content = bytes(50_000, 1);
        byte[] srcData = bytes(70_000, 2);
        Path src = file("src", srcData);
        OpenOption[] rw = {StandardOpenOption.READ, StandardOpenOption.WRITE};
        // transferTo a JDK file channel.
        long[][] toCases = {{0, 0}, {50_000, 10}, {50_001, 10}, {49_990, Long.MAX_VALUE}, {0, Long.MAX_VALUE},
            {Long.MAX_VALUE, 1}, {Long.MAX_VALUE, Long.MAX_VALUE}, {123, 40_000}};
        for (long[] c : toCases) {
            String name = "to-" + c[0] + "-" + c[1];
            Path out = dir.resolve(name + ".out");
            Files.write(out, new byte[0]);
            Path outJ = dir.resolve(name + ".outj");
            Files.write(outJ, new byte[0]);
            sideBySide(name, content, (ch, self) -> {
                Path o = self.getFileName().toString().startsWith("jdk") ? outJ : out;
                try (FileChannel t = FileChannel.open(o, StandardOpenOption.WRITE)) {
                    return ch.transferTo(c[0], c[1], t) + "@" + t.position();
                }
            }, rw);
            if (!Arrays.equals(Files.readAllBytes(outJ), Files.readAllBytes(out))) {
                mismatches.add(name + ": the targets differ");
            }
        }
        // transferFrom a JDK file channel: past the end (the file grows, JDK 21+), huge positions.
        long[][] fromCases = {{0, 0}, {50_000, 100}, {60_000, 100}, {1 << 20, 30_000}, {10, Long.MAX_VALUE},
            {Long.MAX_VALUE - 5, 100}, {(1L << 24) + 3, 10}};
        for (long[] c : fromCases) {
            String name = "from-" + c[0] + "-" + c[1];
            sideBySide(name, content, (ch, self) -> {
                try (FileChannel s = FileChannel.open(src, StandardOpenOption.READ)) {
                    s.position(5);
                    Object r = ch.transferFrom(s, c[0], c[1]);
                    return r + "@" + s.position() + "/" + ch.size() + "/" + ch.position();
                }
            }, rw);
        }
        // Into an append-mode channel: the JDK appends whatever the position (O_APPEND).
        for (long pos : new long[] {0, 10, 50_000, 70_000}) {
            sideBySide("append-from-file-" + pos, content, (ch, self) -> {
                try (FileChannel s = FileChannel.open(src, StandardOpenOption.READ)) {
                    s.position(5);
                    return ch.transferFrom(s, pos, 30_000) + "/" + ch.size() + "@" + s.position();
                }
            }, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        for (String targetKind : List.of("jdk", "jaio")) {
            Path tj = file("append-to-" + targetKind + "-jdk", content);
            Path ta = file("append-to-" + targetKind + "-jaio", content);
            Object expected;
            try (FileChannel s = FileChannel.open(src); FileChannel t = FileChannel.open(tj, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                expected = outcome(() -> s.transferTo(100, 40_000, t) + "@" + t.position());
            }
            Object actual;
            try (FileChannel s = JaioFileChannel.open(src, withEngine(StandardOpenOption.READ));
                 FileChannel t = targetKind.equals("jdk")
                         ? FileChannel.open(ta, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                         : JaioFileChannel.open(ta, withEngine(StandardOpenOption.WRITE, StandardOpenOption.APPEND))) {
                actual = outcome(() -> s.transferTo(100, 40_000, t) + "@" + t.position());
            }
            if (!expected.equals(actual) || !Arrays.equals(Files.readAllBytes(tj), Files.readAllBytes(ta))) {
                mismatches.add("append-to-" + targetKind + ": JDK " + expected + ", jaio " + actual);
            }
        }
        // transferFrom a pipe (the JDK's read loop) past the end.
        sideBySide("from-pipe", content, (ch, self) -> {
            Pipe pipe = Pipe.open();
            try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
                sink.write(ByteBuffer.wrap(bytes(1000, 3)));
                sink.close();
                return ch.transferFrom(source, 80_000, 5000) + "/" + ch.size();
            }
        }, rw);
        assertNoMismatch();
    }

    /** transferFrom at position Long.MAX_VALUE: no byte can be written there; the JDK fails (EFBIG/EINVAL). */
    @Test
    void transferFromAtTheLargestPositionFailsAsTheJdk() throws Exception {
        Path src = file("max-src", bytes(1000, 34));
        sideBySide("from-max", bytes(1000, 35), (ch, self) -> {
            try (FileChannel s = FileChannel.open(src, StandardOpenOption.READ)) {
                return ch.transferFrom(s, Long.MAX_VALUE, 1) + "@" + s.position();
            }
        }, StandardOpenOption.READ, StandardOpenOption.WRITE);
        assertNoMismatch();
    }

    @Test
    void selfTransfersOfOverlappingRangesAsTheJdk() throws Exception {
        byte[] content = bytes(300_000, 4);
        OpenOption[] rw = {StandardOpenOption.READ, StandardOpenOption.WRITE};
        long[][] cases = {{0, 100_000, 50_000}, {50_000, 100_000, 0}, {0, 10_000, 5_000}, {5_000, 10_000, 0},
            {0, 300_000, 200_000}, {100, 1000, 1100}, {0, 300_000, 0}};
        for (long[] c : cases) {
            sideBySide("self-to-" + c[0] + "-" + c[1] + "-" + c[2], content, (ch, self) -> {
                ch.position(c[2]);
                long n = ch.transferTo(c[0], c[1], ch);
                return n + "@" + ch.position() + "/" + ch.size();
            }, rw);
            sideBySide("self-from-" + c[0] + "-" + c[1] + "-" + c[2], content, (ch, self) -> {
                ch.position(c[0]);
                long n = ch.transferFrom(ch, c[2], c[1]);
                return n + "@" + ch.position() + "/" + ch.size();
            }, rw);
        }
        assertNoMismatch();
    }

    /** A CACHED channel transferring to and from itself, with dirty pages in both ranges. */
    @Test
    void selfTransfersOfACachedChannelWithDirtyPages() throws Exception {
        byte[] model = bytes(200_000, 5);
        Path p = file("self-cached", model);
        JaioFileChannel ch = jaio(p, StandardOpenOption.READ, StandardOpenOption.WRITE, JaioOpenOption.CACHED);
        byte[] dirty = bytes(30_000, 6);
        assertEquals(dirty.length, ch.write(ByteBuffer.wrap(dirty), 10_000));
        System.arraycopy(dirty, 0, model, 10_000, dirty.length);
        ch.position(150_000);
        assertEquals(40_000, ch.transferTo(5_000, 40_000, ch));
        System.arraycopy(model, 5_000, model, 150_000, 40_000);
        assertEquals(190_000, ch.position());
        byte[] dirty2 = bytes(5_000, 7);
        assertEquals(dirty2.length, ch.write(ByteBuffer.wrap(dirty2), 151_000));
        System.arraycopy(dirty2, 0, model, 151_000, dirty2.length);
        ch.position(150_000);
        assertEquals(20_000, ch.transferFrom(ch, 300, 20_000));
        byte[] copy = Arrays.copyOfRange(model, 150_000, 170_000);
        System.arraycopy(copy, 0, model, 300, copy.length);
        assertEquals(170_000, ch.position());
        ByteBuffer all = ByteBuffer.allocate(model.length);
        assertEquals(model.length, ch.read(all, 0));
        assertArrayEquals(model, all.array(), "the cached view");
        ch.force(true);
        assertArrayEquals(model, Files.readAllBytes(p), "the disk");
    }

    // ---- coherence with jaio's cache ----

    /**
     * transferFrom into a CACHED channel's file (through the channel itself, and through a
     * non-CACHED channel of another engine) where the cache holds dirty pages that the copy covers
     * only in part: the dirty bytes outside the copy's range survive, those inside are the copy's.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void transferFromOverDirtyPagesKeepsTheirBytesOutsideTheRange(boolean throughOtherEngine) throws Exception {
        byte[] model = bytes(64 * PAGE, 8);
        Path p = file("dirty-target", model);
        Path src = file("dirty-src", bytes(64 * PAGE, 9));
        byte[] srcData = Files.readAllBytes(src);
        JaioFileChannel cached = jaio(p, StandardOpenOption.READ, StandardOpenOption.WRITE, JaioOpenOption.CACHED);
        JaioFileChannel target = throughOtherEngine
                ? jaio(engine2, p, StandardOpenOption.READ, StandardOpenOption.WRITE) : cached;
        byte[] dirty = bytes(10 * PAGE, 10);
        assertEquals(dirty.length, cached.write(ByteBuffer.wrap(dirty), 3 * PAGE + 100));
        System.arraycopy(dirty, 0, model, 3 * PAGE + 100, dirty.length);
        try (FileChannel s = FileChannel.open(src)) {
            s.position(777);
            assertEquals(3 * PAGE, target.transferFrom(s, 5 * PAGE + 10, 3 * PAGE));
        }
        System.arraycopy(srcData, 777, model, 5 * PAGE + 10, 3 * PAGE);
        // A jaio source with dirty pages too.
        JaioFileChannel jsrc = jaio(engine2, src, StandardOpenOption.READ, StandardOpenOption.WRITE,
                JaioOpenOption.CACHED);
        byte[] srcDirty = bytes(PAGE, 11);
        assertEquals(PAGE, jsrc.write(ByteBuffer.wrap(srcDirty), 20 * PAGE));
        System.arraycopy(srcDirty, 0, srcData, 20 * PAGE, PAGE);
        jsrc.position(19 * PAGE + 1);
        assertEquals(2 * PAGE, target.transferFrom(jsrc, 9 * PAGE - 1, 2 * PAGE));
        System.arraycopy(srcData, 19 * PAGE + 1, model, 9 * PAGE - 1, 2 * PAGE);
        ByteBuffer got = ByteBuffer.allocate(model.length);
        assertEquals(model.length, cached.read(got, 0));
        assertArrayEquals(model, got.array(), "the cached view");
        cached.force(false);
        assertArrayEquals(model, Files.readAllBytes(p), "the disk");
    }

    /**
     * transferTo a socket (sendfile) from a CACHED channel whose dirty pages are all over the range,
     * the last one past the end of the file on disk.
     */
    @Test
    void transferToASocketFromACachedChannelWithDirtyData() throws Exception {
        byte[] model = bytes(1 << 20, 12);
        Path p = file("to-socket", Arrays.copyOf(model, 900_000));
        JaioFileChannel ch = jaio(p, StandardOpenOption.READ, StandardOpenOption.WRITE, JaioOpenOption.CACHED);
        for (int at = 1000; at < 900_000; at += 97_000) {
            byte[] d = bytes(5000, at);
            ch.write(ByteBuffer.wrap(d), at);
            System.arraycopy(d, 0, model, at, d.length);
        }
        // Grow it through the cache only: the disk is shorter until written back.
        assertEquals(model.length - 900_000, ch.write(ByteBuffer.wrap(model, 900_000, model.length - 900_000),
                900_000));
        assertEquals(model.length, ch.size());
        Path sock = dir.resolve("s.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                 SocketChannel peer = server.accept()) {
                CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                    try {
                        ByteBuffer b = ByteBuffer.allocate(model.length);
                        while (b.hasRemaining() && peer.read(b) >= 0) {
                            // reading
                        }
                        return b.array();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                long sent = 0;
                while (sent < model.length) {
                    long n = ch.transferTo(sent, model.length - sent, client);
                    assertTrue(n > 0, "sent " + sent);
                    sent += n;
                }
                assertArrayEquals(model, received.get(30, TimeUnit.SECONDS));
            }
        }
    }

    /**
     * A non-CACHED channel's transfer of a file whose CACHED channel (another engine) appended
     * past the end on disk: the copy takes every byte the size includes, as the kernel's would.
     */
    @Test
    void aKernelChannelTransfersWhatACachedChannelOfAnotherEngineAppended() throws Exception {
        byte[] model = bytes(20_000, 13);
        Path p = file("appended", Arrays.copyOf(model, 10));
        JaioFileChannel cached = jaio(p, StandardOpenOption.READ, StandardOpenOption.WRITE, JaioOpenOption.CACHED);
        assertEquals(model.length - 10, cached.write(ByteBuffer.wrap(model, 10, model.length - 10), 10));
        JaioFileChannel plain = jaio(engine2, p, StandardOpenOption.READ);
        Path out = dir.resolve("appended.out");
        long n;
        try (FileChannel t = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            n = plain.transferTo(0, Long.MAX_VALUE, t);
        }
        assertEquals(model.length, n, "transferTo copies every byte of the file");
        assertArrayEquals(model, Files.readAllBytes(out));
        assertEquals(model.length, plain.size(), "the size every descriptor sees");
    }

    /**
     * A transferFrom that waits for its source (a pipe nobody has written yet) must not keep the
     * file's cached writes out meanwhile: the JDK reads the source before it writes the file, and
     * the kernel holds the inode lock only for each write.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aTransferFromWaitingForItsSourceDoesNotStallCachedWrites(boolean sameChannel) throws Exception {
        Path p = file("stall", new byte[64 * PAGE]);
        JaioFileChannel cached = jaio(p, StandardOpenOption.READ, StandardOpenOption.WRITE, JaioOpenOption.CACHED);
        JaioFileChannel target = sameChannel ? cached
                : jaio(engine2, p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Pipe pipe = Pipe.open();
        closing(pipe.sink());
        closing(pipe.source());
        CompletableFuture<Long> transfer = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                transfer.complete(target.transferFrom(pipe.source(), 0, 100));
            } catch (Throwable e) {
                transfer.completeExceptionally(e);
            }
        });
        awaitInNative(t, "read0");
        // A cached write of another range of the file, while the transfer waits for the pipe.
        CompletableFuture<Integer> write = CompletableFuture.supplyAsync(() -> {
            try {
                return cached.write(ByteBuffer.wrap(bytes(100, 14)), 40 * PAGE);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Object writeOutcome;
        try {
            writeOutcome = write.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            writeOutcome = "still waiting after 10 s";
        }
        pipe.sink().write(ByteBuffer.wrap(bytes(100, 15)));
        assertEquals(100, transfer.get(30, TimeUnit.SECONDS));
        write.get(30, TimeUnit.SECONDS);
        assertEquals(100, writeOutcome, "a cached write while transferFrom waits for its source");
    }

    /**
     * A CACHED channel writes even 512-byte slots of the file while kernel transfers (transferFrom a
     * JDK channel, transferTo from a jaio channel) into a non-CACHED channel of another engine write
     * the odd slots of the same pages: each side sees the other's completed writes, and at the end
     * the file holds every slot's last write (no stale page written back over a copy, no dirty
     * bytes dropped by one).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void cachedWritesAndKernelTransfersInTheSamePagesLoseNothing(boolean virtual) throws Exception {
        int pages = 16;
        int slot = 512;
        int slots = pages * PAGE / slot;
        Path p = file("interleaved", new byte[pages * PAGE]);
        byte[] srcData = bytes(1 << 20, 40);
        Path src = file("interleaved-src", srcData);
        JaioFileChannel cached = jaio(p, StandardOpenOption.READ, StandardOpenOption.WRITE, JaioOpenOption.CACHED);
        JaioFileChannel plain = jaio(engine2, p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        JaioFileChannel jaioSrc = jaio(engine2, src, StandardOpenOption.READ);
        FileChannel jdkSrc = jdk(src, StandardOpenOption.READ);
        byte[][] model = new byte[slots][];
        for (int i = 0; i < slots; i++) {
            model[i] = new byte[slot];
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int rounds = 300;
        Runnable writer = () -> {
            try {
                Random r = new Random(41);
                for (int i = 0; i < rounds && failure.get() == null; i++) {
                    int sl = 2 * r.nextInt(slots / 2);
                    byte[] v = bytes(slot, 50_000 + i);
                    assertEquals(slot, cached.write(ByteBuffer.wrap(v), (long) sl * slot));
                    model[sl] = v;
                    ByteBuffer seen = ByteBuffer.allocate(slot);
                    assertEquals(slot, plain.read(seen, (long) sl * slot));
                    assertArrayEquals(v, seen.array(), "the kernel channel sees cached slot " + sl);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
        Runnable copier = () -> {
            try {
                Random r = new Random(42);
                for (int i = 0; i < rounds && failure.get() == null; i++) {
                    int sl = 2 * r.nextInt(slots / 2) + 1;
                    int from = r.nextInt(srcData.length - slot);
                    if (i % 2 == 0) {
                        synchronized (jdkSrc) {
                            jdkSrc.position(from);
                            assertEquals(slot, plain.transferFrom(jdkSrc, (long) sl * slot, slot));
                        }
                    } else {
                        synchronized (plain) {
                            plain.position((long) sl * slot);
                            assertEquals(slot, jaioSrc.transferTo(from, slot, plain));
                        }
                    }
                    model[sl] = Arrays.copyOfRange(srcData, from, from + slot);
                    ByteBuffer seen = ByteBuffer.allocate(slot);
                    assertEquals(slot, cached.read(seen, (long) sl * slot));
                    assertArrayEquals(model[sl], seen.array(), "the cache sees the copy into slot " + sl);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
        Thread a = virtual ? Thread.ofVirtual().start(writer) : Thread.ofPlatform().start(writer);
        Thread b = virtual ? Thread.ofVirtual().start(copier) : Thread.ofPlatform().start(copier);
        a.join();
        b.join();
        assertNull(failure.get(), () -> "failed: " + failure.get());
        byte[] expected = new byte[pages * PAGE];
        for (int i = 0; i < slots; i++) {
            System.arraycopy(model[i], 0, expected, i * slot, slot);
        }
        ByteBuffer all = ByteBuffer.allocate(expected.length);
        assertEquals(expected.length, cached.read(all, 0));
        assertArrayEquals(expected, all.array(), "the cached view");
        plain.force(true);
        assertArrayEquals(expected, Files.readAllBytes(p), "the disk");
    }

    // ---- interrupts and closes ----

    /**
     * Whether {@code t} (a platform thread), or for a virtual thread a jaio-nio-transfer thread,
     * is in the native method {@code nativeMethod}.
     */
    private static boolean inNative(Thread t, String nativeMethod) {
        List<Thread> where = new ArrayList<>();
        where.add(t);
        if (t.isVirtual()) {
            Thread.getAllStackTraces().keySet().stream().filter(x -> x.getName().startsWith("jaio-nio-transfer-"))
                    .forEach(where::add);
        }
        for (Thread x : where) {
            if (Arrays.stream(x.getStackTrace())
                    .anyMatch(e -> e.isNativeMethod() && e.getMethodName().equals(nativeMethod))) {
                return true;
            }
        }
        return false;
    }

    private static void awaitInNative(Thread t, String nativeMethod) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!inNative(t, nativeMethod)) {
            assertTrue(t.isAlive(), "the transfer ended without blocking");
            assertTrue(System.nanoTime() < deadline, "the transfer never blocked in " + nativeMethod);
            Thread.onSpinWait();
        }
        // Twice, some time apart: really blocked there, not passing through.
        for (int i = 0; i < 1000; i++) {
            Thread.onSpinWait();
        }
        assertTrue(inNative(t, nativeMethod), "blocked in " + nativeMethod);
    }

    /**
     * A transferTo blocked in sendfile to a Unix socket nobody reads: an interrupt ends it with
     * ClosedByInterruptException and closes BOTH channels (FileChannel's contract; the JDK's own
     * channel on a platform thread closes the socket too, checked first). The JDK's channel on a
     * virtual thread is left out: it pins the carrier in sendfile and its interrupt hangs.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jdk-platform", "jaio-platform", "jaio-virtual"})
    void anInterruptOfATransferToABlockedSocketClosesBothChannels(String mode) throws Exception {
        Path p = file("big", bytes(8 << 20, 16));
        FileChannel ch = mode.startsWith("jdk") ? jdk(p, StandardOpenOption.READ) : jaio(p, StandardOpenOption.READ);
        Path sock = dir.resolve(mode + ".sock");
        ServerSocketChannel server = closing(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        server.bind(UnixDomainSocketAddress.of(sock));
        SocketChannel client = closing(SocketChannel.open(UnixDomainSocketAddress.of(sock)));
        closing(server.accept());
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicReference<Boolean> interrupted = new AtomicReference<>();
        Runnable task = () -> {
            try {
                ch.transferTo(0, 8 << 20, client);
                outcome.set(new AssertionError("the transfer ended without a reader"));
            } catch (Throwable e) {
                outcome.set(e);
            }
            interrupted.set(Thread.currentThread().isInterrupted());
        };
        Thread t = mode.endsWith("virtual") ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
        awaitInNative(t, "transferTo0");
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(t.isAlive(), "the interrupt ended the transfer");
        assertInstanceOf(ClosedByInterruptException.class, outcome.get());
        assertTrue(interrupted.get(), "the interrupt status stays set");
        assertFalse(ch.isOpen(), "the file channel is closed");
        assertFalse(client.isOpen(), "the socket channel is closed too, as the JDK's transfer closes it");
    }

    /** The same for a pipe's sink nobody reads (the JDK writes a mapping of the file to it). */
    @ParameterizedTest
    @ValueSource(strings = {"jdk-platform", "jaio-platform", "jaio-virtual"})
    void anInterruptOfATransferToABlockedPipeClosesBothChannels(String mode) throws Exception {
        Path p = file("big", bytes(4 << 20, 17));
        FileChannel ch = mode.startsWith("jdk") ? jdk(p, StandardOpenOption.READ) : jaio(p, StandardOpenOption.READ);
        Pipe pipe = Pipe.open();
        closing(pipe.sink());
        closing(pipe.source());
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Runnable task = () -> {
            try {
                ch.transferTo(0, 4 << 20, pipe.sink());
                outcome.set(new AssertionError("the transfer ended without a reader"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        };
        Thread t = mode.endsWith("virtual") ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
        if (mode.endsWith("virtual")) {
            // A virtual thread reading a pipe parks (the JDK's pipe channels poll for it).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (t.getState() != Thread.State.WAITING) {
                assertTrue(System.nanoTime() < deadline, "never parked");
                Thread.onSpinWait();
            }
        } else {
            awaitInNative(t, "write0");
        }
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(t.isAlive(), "the interrupt ended the transfer");
        assertInstanceOf(ClosedByInterruptException.class, outcome.get());
        assertFalse(ch.isOpen(), "the file channel is closed");
        assertFalse(pipe.sink().isOpen(), "the pipe's sink is closed too");
    }

    /**
     * transferFrom a pipe nobody writes, interrupted: ClosedByInterruptException, both channels
     * closed, on platform and virtual threads, for the JDK's channel and jaio's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jdk-platform", "jdk-virtual", "jaio-platform", "jaio-virtual"})
    void anInterruptOfATransferFromABlockedPipeClosesBothChannels(String mode) throws Exception {
        Path p = file("target", new byte[PAGE]);
        FileChannel ch = mode.startsWith("jdk") ? jdk(p, StandardOpenOption.WRITE)
                : jaio(p, StandardOpenOption.WRITE);
        Pipe pipe = Pipe.open();
        closing(pipe.sink());
        closing(pipe.source());
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Runnable task = () -> {
            try {
                ch.transferFrom(pipe.source(), 0, 100);
                outcome.set(new AssertionError("the transfer ended without a writer"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        };
        Thread t = mode.endsWith("virtual") ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
        if (mode.endsWith("virtual")) { // a virtual thread reading a pipe parks
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (t.getState() != Thread.State.WAITING) {
                assertTrue(System.nanoTime() < deadline, "never parked");
                Thread.onSpinWait();
            }
        } else {
            awaitInNative(t, "read0");
        }
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(t.isAlive(), "the interrupt ended the transfer");
        assertInstanceOf(ClosedByInterruptException.class, outcome.get());
        assertFalse(ch.isOpen(), "the file channel is closed");
        assertFalse(pipe.source().isOpen(), "the pipe's source is closed too");
    }

    /**
     * A transfer called with the interrupt status already set: the JDK's channel throws
     * ClosedByInterruptException and closes both channels (FileChannelImpl.transferFailed), whatever
     * the other channel is. Checked for the JDK first, then for jaio, on platform and virtual threads.
     */
    @ParameterizedTest
    @ValueSource(strings = {"file", "jaio-file", "jaio-cached-file", "pipe", "socket"})
    void aTransferCalledInterruptedClosesBothChannels(String otherKind) throws Exception {
        byte[] data = bytes(100_000, 33);
        List<String> wrong = new ArrayList<>();
        for (String side : List.of("jdk", "jaio")) {
            for (boolean virtual : List.of(false, true)) {
                for (boolean to : List.of(true, false)) {
                    String what = side + (virtual ? "-virtual " : "-platform ") + (to ? "transferTo " : "transferFrom ")
                            + otherKind;
                    Path p = file("pre-" + side + virtual + to, data);
                    FileChannel ch = side.equals("jdk")
                            ? jdk(p, StandardOpenOption.READ, StandardOpenOption.WRITE)
                            : jaio(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    Channel other = otherChannel(otherKind, to, "pre-other-" + side + virtual + to, data);
                    AtomicReference<Object> outcome = new AtomicReference<>();
                    Runnable task = () -> {
                        Thread.currentThread().interrupt();
                        outcome.set(outcome(() -> to ? ch.transferTo(0, 1000, (WritableByteChannel) other)
                                : ch.transferFrom((ReadableByteChannel) other, 0, 1000)));
                    };
                    Thread t = virtual ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
                    t.join(TimeUnit.SECONDS.toMillis(30));
                    assertFalse(t.isAlive(), what + ": ended");
                    String got = outcome.get() + " file open " + ch.isOpen() + ", other open " + other.isOpen();
                    String expected = "ClosedByInterruptException file open false, other open false";
                    if (!got.equals(expected)) {
                        wrong.add(what + ": " + got);
                    }
                }
            }
        }
        assertTrue(wrong.isEmpty(), () -> "expected ClosedByInterruptException and both closed, got:\n"
                + String.join("\n", wrong));
    }

    /** The other channel of a transfer: readable for transferFrom, writable for transferTo. */
    private Channel otherChannel(String kind, boolean to, String name, byte[] data) throws IOException {
        Path p = file(name, data);
        OpenOption mode = to ? StandardOpenOption.WRITE : StandardOpenOption.READ;
        switch (kind) {
            case "file":
                return jdk(p, mode);
            case "jaio-file":
                return jaio(engine2, p, mode);
            case "jaio-cached-file":
                return jaio(engine2, p, mode, JaioOpenOption.CACHED);
            case "pipe": {
                Pipe pipe = Pipe.open();
                closing(pipe.sink());
                closing(pipe.source());
                if (!to) {
                    pipe.sink().write(ByteBuffer.wrap(data, 0, 1000));
                }
                return to ? pipe.sink() : pipe.source();
            }
            default: {
                Path sock = dir.resolve(name + ".sock");
                ServerSocketChannel server = closing(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
                server.bind(UnixDomainSocketAddress.of(sock));
                SocketChannel client = closing(SocketChannel.open(UnixDomainSocketAddress.of(sock)));
                SocketChannel peer = closing(server.accept());
                if (!to) {
                    peer.write(ByteBuffer.wrap(data, 0, 1000));
                }
                return client;
            }
        }
    }

    /**
     * The target socket closed by another thread while a transferTo blocks in sendfile on it: the
     * transfer ends (with a count, or AsynchronousCloseException), and the file channel stays open
     * and usable.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jdk-platform", "jaio-platform", "jaio-virtual"})
    void closingTheTargetOfABlockedTransferEndsIt(String mode) throws Exception {
        Path p = file("big", bytes(8 << 20, 18));
        FileChannel ch = mode.startsWith("jdk") ? jdk(p, StandardOpenOption.READ) : jaio(p, StandardOpenOption.READ);
        Path sock = dir.resolve(mode + ".sock");
        ServerSocketChannel server = closing(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        server.bind(UnixDomainSocketAddress.of(sock));
        SocketChannel client = closing(SocketChannel.open(UnixDomainSocketAddress.of(sock)));
        closing(server.accept());
        AtomicReference<Object> outcome = new AtomicReference<>();
        Runnable task = () -> outcome.set(outcome(() -> ch.transferTo(0, 8 << 20, client)));
        Thread t = mode.endsWith("virtual") ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
        awaitInNative(t, "transferTo0");
        client.close();
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(t.isAlive(), "the close ended the transfer");
        Object o = outcome.get();
        assertTrue(o instanceof Long || o.equals(new Threw(new AsynchronousCloseException())), () -> "got " + o);
        assertTrue(ch.isOpen(), "the file channel stays open");
        ByteBuffer b = ByteBuffer.allocate(10);
        assertEquals(10, ch.read(b, 0));
    }

    /** The source jaio channel closed by another thread while its transferTo blocks: AsynchronousCloseException. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void closingTheSourceOfABlockedTransferEndsIt(boolean virtual) throws Exception {
        Path p = file("big", bytes(4 << 20, 19));
        JaioFileChannel ch = jaio(p, StandardOpenOption.READ);
        Pipe pipe = Pipe.open();
        closing(pipe.sink());
        closing(pipe.source());
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Runnable task = () -> {
            try {
                ch.transferTo(0, 4 << 20, pipe.sink());
                outcome.set(new AssertionError("the transfer ended without a reader"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        };
        Thread t = virtual ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
        awaitInNative(t, "write0");
        CompletableFuture<Void> closer = CompletableFuture.runAsync(() -> {
            try {
                ch.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // The JDK's close of a file channel does not wake a thread blocked writing the pipe: drain it.
        ByteBuffer sinkBuf = ByteBuffer.allocate(1 << 20);
        while (t.isAlive()) {
            pipe.source().configureBlocking(false);
            sinkBuf.clear();
            pipe.source().read(sinkBuf);
            t.join(1);
        }
        closer.get(30, TimeUnit.SECONDS);
        Throwable e = outcome.get();
        assertTrue(e instanceof AsynchronousCloseException || e instanceof AssertionError,
                () -> "got " + e);
        assertFalse(ch.isOpen());
    }

    /**
     * Interrupts at random moments of a stream of kernel transfers (file to file, jaio to jaio,
     * transferFrom), on platform and virtual threads: the thread always ends, with
     * ClosedByInterruptException as its first failure and both channels closed; and no
     * jaio-nio-transfer thread is left interrupted (later transfers of virtual threads succeed).
     */
    @ParameterizedTest
    @ValueSource(strings = {"jdk-platform", "jdk-virtual", "jaio-platform", "jaio-virtual"})
    void interruptsAtRandomMomentsNeverHangAndNeverLeak(String mode) throws Exception {
        boolean virtual = mode.endsWith("virtual");
        boolean useJdk = mode.startsWith("jdk");
        byte[] data = bytes(256 * 1024, 20);
        Path src = file("isrc", data);
        Random rnd = new Random(21);
        List<String> wrong = new ArrayList<>();
        for (int round = 0; round < 60; round++) {
            int kind = round % 3;
            FileChannel s = useJdk ? FileChannel.open(src, StandardOpenOption.READ)
                    : JaioFileChannel.open(src, StandardOpenOption.READ, JaioOpenOption.engine(engine));
            Path tp = dir.resolve("itgt" + round);
            Channel target = useJdk ? FileChannel.open(tp, StandardOpenOption.CREATE, StandardOpenOption.WRITE)
                    : switch (kind) {
                        case 0 -> FileChannel.open(tp, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        case 1 -> JaioFileChannel.open(tp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                JaioOpenOption.engine(engine2));
                        default -> JaioFileChannel.open(tp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                JaioOpenOption.CACHED, JaioOpenOption.engine(engine2));
                    };
            AtomicReference<Throwable> first = new AtomicReference<>();
            CountDownLatch running = new CountDownLatch(1);
            // transferFrom: a fresh source at position 0 for each call (a position(0) of the JDK's
            // channel is itself interruptible, and would close only the source).
            AtomicReference<FileChannel> fromSource = new AtomicReference<>();
            Runnable task = () -> {
                try {
                    for (int i = 0; i < 100_000; i++) {
                        if (kind == 2) {
                            FileChannel old = fromSource.get();
                            if (old != null) {
                                old.close();
                            }
                            fromSource.set(useJdk ? FileChannel.open(src, StandardOpenOption.READ)
                                    : JaioFileChannel.open(src, StandardOpenOption.READ, JaioOpenOption.engine(engine)));
                            ((FileChannel) target).transferFrom(fromSource.get(), 0, data.length);
                        } else {
                            s.transferTo(0, data.length, (WritableByteChannel) target);
                        }
                        running.countDown();
                    }
                    first.set(new AssertionError("never interrupted"));
                } catch (Throwable e) {
                    first.set(e);
                }
                running.countDown();
            };
            Thread t = virtual ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
            running.await();
            long spin = System.nanoTime() + rnd.nextInt(300_000);
            while (System.nanoTime() < spin) {
                Thread.onSpinWait();
            }
            t.interrupt();
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(t.isAlive(), "round " + round + ": the interrupted transfer ended");
            Throwable e = first.get();
            FileChannel source = kind == 2 ? fromSource.get() : s;
            String got = (e == null ? null : e.getClass().getSimpleName()) + ", source open " + source.isOpen()
                    + ", target open " + target.isOpen();
            if (kind == 2) {
                source.close();
            }
            if (!got.equals("ClosedByInterruptException, source open false, target open false")) {
                wrong.add("round " + round + " (kind " + kind + "): " + got);
            }
            target.close();
            s.close();
        }

        // No pool thread keeps an interrupt: transfers of many virtual threads at once all succeed.
        FileChannel s = useJdk ? jdk(src, StandardOpenOption.READ) : jaio(src, StandardOpenOption.READ);
        List<Thread> ts = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 16; i++) {
            Path out = dir.resolve("after" + i);
            ts.add(Thread.ofVirtual().start(() -> {
                try (FileChannel t = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    for (int k = 0; k < 5; k++) {
                        assertEquals(data.length, s.transferTo(0, data.length, t.position(0)));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        assertNull(failure.get(), () -> "a later transfer failed: " + failure.get());
        assertTrue(s.isOpen());
        for (Thread x : Thread.getAllStackTraces().keySet()) {
            if (x.getName().startsWith("jaio-nio-transfer-")) {
                assertFalse(x.isInterrupted(), x.getName() + " is left interrupted");
            }
        }
        // Checked last, so that the leak checks above run either way.
        assertTrue(wrong.isEmpty(), () -> wrong.size() + " rounds did not end with ClosedByInterruptException and"
                + " both channels closed:\n" + String.join("\n", wrong));
    }

    // ---- modes ----

    /** Non-readable and non-writable channels, closed ones and bad arguments: the JDK's exceptions in the JDK's order. */
    @Test
    void modeChecksAsTheJdk() throws Exception {
        Path a = file("ma", bytes(10_000, 22));
        Path b = file("mb", bytes(10_000, 23));
        OpenOption r = StandardOpenOption.READ;
        OpenOption w = StandardOpenOption.WRITE;
        // {source modes, target modes} for transferTo(source -> target) and transferFrom(target <- source)
        OpenOption[][] modes = {{r}, {w}, {r, w}};
        long[][] args = {{0, 100}, {0, 0}, {20_000, 10}, {-1, 10}, {0, -1}};
        for (OpenOption[] sm : modes) {
            for (OpenOption[] tm : modes) {
                for (long[] arg : args) {
                    for (int closed = 0; closed < 3; closed++) {
                        String what = Arrays.toString(sm) + "->" + Arrays.toString(tm) + " " + Arrays.toString(arg)
                                + " closed " + closed;
                        for (int jaioSide = 0; jaioSide < 3; jaioSide++) {
                            // jaioSide 0: jaio source, JDK target; 1: JDK source, jaio target; 2: both jaio
                            Object jdkTo = callTo(false, false, a, b, sm, tm, arg, closed);
                            Object jaioTo = callTo(jaioSide != 1, jaioSide != 0, a, b, sm, tm, arg, closed);
                            if (jaioSide != 1 && !jdkTo.equals(jaioTo)) { // jaio's transferTo called
                                mismatches.add("transferTo " + what + " jaio side " + jaioSide + ": JDK " + jdkTo
                                        + ", jaio " + jaioTo);
                            }
                            Object jdkFrom = callFrom(false, false, a, b, sm, tm, arg, closed);
                            Object jaioFrom = callFrom(jaioSide != 1, jaioSide != 0, a, b, sm, tm, arg, closed);
                            if (jaioSide != 0 && !jdkFrom.equals(jaioFrom)) { // jaio's transferFrom called
                                mismatches.add("transferFrom " + what + " jaio side " + jaioSide + ": JDK " + jdkFrom
                                        + ", jaio " + jaioFrom);
                            }
                        }
                    }
                }
            }
        }
        assertNoMismatch();
    }

    private FileChannel channel(boolean jaio, Path p, OpenOption[] modes) throws IOException {
        return jaio ? JaioFileChannel.open(p, withEngine(modes)) : FileChannel.open(p, modes);
    }

    private Object callTo(boolean jaioSrc, boolean jaioTgt, Path a, Path b, OpenOption[] sm, OpenOption[] tm,
            long[] arg, int closed) throws IOException {
        try (FileChannel s = channel(jaioSrc, a, sm); FileChannel t = channel(jaioTgt, b, tm)) {
            if (closed == 1) {
                s.close();
            } else if (closed == 2) {
                t.close();
            }
            return outcome(() -> s.transferTo(arg[0], arg[1], t));
        }
    }

    private Object callFrom(boolean jaioSrc, boolean jaioTgt, Path a, Path b, OpenOption[] sm, OpenOption[] tm,
            long[] arg, int closed) throws IOException {
        try (FileChannel s = channel(jaioSrc, a, sm); FileChannel t = channel(jaioTgt, b, tm)) {
            if (closed == 1) {
                s.close();
            } else if (closed == 2) {
                t.close();
            }
            return outcome(() -> t.transferFrom(s, arg[0], arg[1]));
        }
    }

    /** O_DIRECT channels: transfers to and from an arbitrary channel, at aligned places, as the JDK's DIRECT channel. */
    @Test
    void directChannelsTransferAsTheJdksDirectChannel() throws Exception {
        byte[] content = bytes(16 * PAGE, 24);
        OpenOption[] rw = {StandardOpenOption.READ, StandardOpenOption.WRITE, JDK_DIRECT};
        // To an arbitrary channel (not the JDK's): the buffered way, at an aligned position and count.
        sideBySide("direct-to-arbitrary", content, (ch, self) -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long n = ch.transferTo(PAGE, 4 * PAGE, Channels.newChannel(out));
            return n + ":" + Arrays.hashCode(out.toByteArray());
        }, rw);
        // From an arbitrary channel.
        byte[] in = bytes(4 * PAGE, 25);
        sideBySide("direct-from-arbitrary", content, (ch, self) -> ch.transferFrom(
                Channels.newChannel(new java.io.ByteArrayInputStream(in)), 2 * PAGE, 4 * PAGE), rw);
        // To and from the JDK's file channels at unaligned places (the kernel copies, no alignment needed).
        Path other = file("direct-other", bytes(16 * PAGE, 26));
        sideBySide("direct-to-file", content, (ch, self) -> {
            try (FileChannel t = FileChannel.open(other, StandardOpenOption.WRITE)) {
                t.position(3);
                return ch.transferTo(PAGE, 3 * PAGE, t);
            }
        }, rw);
        sideBySide("direct-from-file", content, (ch, self) -> {
            try (FileChannel s = FileChannel.open(other, StandardOpenOption.READ)) {
                s.position(11);
                return ch.transferFrom(s, 2 * PAGE, 2 * PAGE) + "@" + s.position();
            }
        }, rw);
        assertNoMismatch();
    }

    /** A jaio DIRECT channel to a jaio CACHED channel of another engine, and back. */
    @Test
    void directToCachedAndBackAcrossEngines() throws Exception {
        byte[] a = bytes(32 * PAGE, 27);
        byte[] b = bytes(32 * PAGE, 28);
        Path pa = file("dc-a", a);
        Path pb = file("dc-b", b);
        JaioFileChannel direct = jaio(pa, StandardOpenOption.READ, StandardOpenOption.WRITE,
                JDK_DIRECT);
        JaioFileChannel cached = jaio(engine2, pb, StandardOpenOption.READ, StandardOpenOption.WRITE,
                JaioOpenOption.CACHED);
        byte[] dirty = bytes(3 * PAGE, 29);
        cached.write(ByteBuffer.wrap(dirty), 5 * PAGE + 3);
        System.arraycopy(dirty, 0, b, 5 * PAGE + 3, dirty.length);
        cached.position(4 * PAGE + 1);
        assertEquals(6 * PAGE, direct.transferTo(7, 6 * PAGE, cached));
        System.arraycopy(a, 7, b, 4 * PAGE + 1, 6 * PAGE);
        assertEquals(10 * PAGE + 1, cached.position());
        direct.position(0);
        cached.position(PAGE + 17);
        assertEquals(2 * PAGE, direct.transferFrom(cached, 9 * PAGE + 5, 2 * PAGE));
        System.arraycopy(b, PAGE + 17, a, 9 * PAGE + 5, 2 * PAGE);
        assertEquals(3 * PAGE + 17, cached.position());
        ByteBuffer gb = ByteBuffer.allocate(b.length);
        assertEquals(b.length, cached.read(gb, 0));
        assertArrayEquals(b, gb.array());
        cached.force(true);
        assertArrayEquals(b, Files.readAllBytes(pb));
        assertArrayEquals(a, Files.readAllBytes(pa));
    }

    // ---- permissions ----

    /**
     * A file whose permissions became 0400 after the channel opened it read-write: the channel's
     * reopen through /proc/self/fd is refused (EACCES) on a thread without CAP_DAC_OVERRIDE, and
     * transfers must fall back to the buffer, not fail, as the JDK's transfers of the open
     * descriptor do not fail.
     */
    @Test
    void transfersOfAFileMadeReadOnlyAfterOpenFallBack() throws Exception {
        byte[] model = bytes(100_000, 30);
        Path p = file("ro", model);
        Path src = file("ro-src", bytes(50_000, 31));
        byte[] srcData = Files.readAllBytes(src);
        JaioFileChannel ch = jaio(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        JaioFileChannel cached = jaio(engine2, src, StandardOpenOption.READ, StandardOpenOption.WRITE,
                JaioOpenOption.CACHED);
        FileChannel jdkCh = jdk(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r--------"));
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("r--------"));
        Path out = dir.resolve("ro-out");
        Files.write(out, new byte[0]);
        CompletableFuture<Object> result = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                dropDacCapabilities();
                // Control: the open really is refused now, and the JDK's channel still transfers.
                assertThrows(java.nio.file.AccessDeniedException.class,
                        () -> FileChannel.open(Path.of("/proc/self/fd/" + fdOf(jdkCh, p)), StandardOpenOption.WRITE)
                                .close());
                try (FileChannel t = FileChannel.open(out, StandardOpenOption.WRITE)) {
                    assertEquals(1000, jdkCh.transferTo(0, 1000, t));
                }
                try (FileChannel t = FileChannel.open(out, StandardOpenOption.WRITE)) {
                    assertEquals(model.length, ch.transferTo(0, Long.MAX_VALUE, t), "transferTo");
                }
                try (FileChannel s = FileChannel.open(src)) {
                    assertEquals(20_000, ch.transferFrom(s, 200_000, 20_000), "transferFrom past the end");
                }
                cached.position(100);
                assertEquals(30_000, ch.transferFrom(cached, 1_000, 30_000), "transferFrom a jaio channel");
                assertEquals(5_000, cached.transferTo(0, 5_000, ch.position(10)), "transferTo a jaio channel");
                result.complete("ok");
            } catch (Throwable t) {
                result.complete(t);
            }
        });
        Object r = result.get(30, TimeUnit.SECONDS);
        if (r instanceof Throwable t) {
            throw new AssertionError("a transfer failed: " + t, t);
        }
        assertArrayEquals(model, Files.readAllBytes(out));
        byte[] expected = Arrays.copyOf(model, 220_000);
        System.arraycopy(srcData, 0, expected, 200_000, 20_000);
        System.arraycopy(srcData, 100, expected, 1_000, 30_000);
        System.arraycopy(srcData, 0, expected, 10, 5_000);
        assertArrayEquals(expected, Files.readAllBytes(p));
    }

    /** The descriptor of a JDK channel of {@code p}, found in /proc/self/fd (for the control). */
    private static int fdOf(FileChannel ch, Path p) throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : s.toList()) {
                try {
                    if (Files.isSameFile(Files.readSymbolicLink(fd), p)) {
                        return Integer.parseInt(fd.getFileName().toString());
                    }
                } catch (IOException ignored) {
                    // gone
                }
            }
        }
        throw new AssertionError("no descriptor of " + p);
    }

    /** Drops CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER from the calling thread's effective set (capset(2) is per thread). */
    private static void dropDacCapabilities() throws Throwable {
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor fd = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        MethodHandle capget = linker.downcallHandle(linker.defaultLookup().find("capget").orElseThrow(), fd);
        MethodHandle capset = linker.downcallHandle(linker.defaultLookup().find("capset").orElseThrow(), fd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment hdr = arena.allocate(8);
            hdr.set(JAVA_INT, 0, 0x20080522);
            hdr.set(JAVA_INT, 4, 0);
            MemorySegment data = arena.allocate(24);
            assertEquals(0, (int) capget.invokeExact(hdr, data));
            int eff = data.get(JAVA_INT, 0) & ~((1 << 1) | (1 << 2) | (1 << 3));
            data.set(JAVA_INT, 0, eff);
            assertEquals(0, (int) capset.invokeExact(hdr, data));
        }
    }

    // ---- races with truncate ----

    /**
     * A truncate racing a transferFrom that extends the file: whichever the kernel ordered last,
     * every handle agrees on the size afterwards, and a CACHED read reads exactly up to it.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aTruncateRacingAnExtendingTransferFromLeavesOneSize(boolean virtual) throws Exception {
        Path p = file("tr", new byte[8 * PAGE]);
        Path src = file("tr-src", bytes(4 * PAGE, 32));
        JaioFileChannel cached = jaio(p, StandardOpenOption.READ, StandardOpenOption.WRITE, JaioOpenOption.CACHED);
        JaioFileChannel plain = jaio(engine2, p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel s = jdk(src, StandardOpenOption.READ);
        for (int round = 0; round < 300; round++) {
            long at = 8 * PAGE + (round % 5) * 1000;
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Long> copy = new CompletableFuture<>();
            Runnable task = () -> {
                try {
                    go.await();
                    copy.complete(plain.transferFrom(s.position(0), at, 2 * PAGE));
                } catch (Throwable e) {
                    copy.completeExceptionally(e);
                }
            };
            Thread t = virtual ? Thread.ofVirtual().start(task) : Thread.ofPlatform().start(task);
            go.countDown();
            // Truncate to 8 pages as the copy runs (before or after it, whichever the kernel says).
            while (!copy.isDone() && Files.size(p) <= 8 * PAGE) {
                Thread.onSpinWait();
            }
            cached.truncate(8 * PAGE);
            assertEquals(2 * PAGE, copy.get(30, TimeUnit.SECONDS));
            t.join();
            long disk = Files.size(p);
            ByteBuffer b = ByteBuffer.allocate(16 * PAGE);
            int n = cached.read(b, 0);
            assertEquals(disk, n, "round " + round + ": the cached read ends where the file does");
            assertEquals(disk, cached.size(), "round " + round + ": the cached size");
            assertEquals(disk, plain.size(), "round " + round);
        }
    }
}
