package dev.jaio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tests put their files: a real directory on a real disk. JUnit's @TempDir lives under
 * java.io.tmpdir, which is tmpfs on some machines, and tmpfs has no O_DIRECT; -Djaio.test.dir
 * overrides the default (the build directory) for runs on another filesystem.
 */
final class TestFiles {

    private TestFiles() {
    }

    static Path newDirectory(String prefix) throws IOException {
        Path base = Path.of(System.getProperty("jaio.test.dir", "target/jaio-test-files"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base.toAbsolutePath(), prefix);
    }

    /** The future's value within 60 s; a failure's cause is thrown as it is. */
    /**
     * Drops {@code f}'s pages from the kernel's page cache: fsync, then POSIX_FADV_DONTNEED, again
     * until cachestat(2) finds none left (DONTNEED skips pages that a readahead still has locked
     * under I/O), for at most about a second. Without cachestat (before Linux 6.5) once.
     */
    static void dropFromPageCache(AsyncFile f) throws Exception {
        int fd = dev.jaio.internal.file.HandleAccess.openFile(f).fd();
        for (int i = 0; i < 1000; i++) {
            await(f.fsync());
            f.advise(0, 0, FileAdvice.DONTNEED);
            if (dev.jaio.internal.linux.Cachestat.residentPages(fd, 0, 0) <= 0) {
                return; // none left, or no cachestat to ask
            }
            Thread.sleep(1);
        }
    }

    /**
     * Aborts the test (skipped, with the reason) when no RWF_NOWAIT try of a dropped page missed in
     * 2000 attempts: the device finished the read each try started before the try looked again (a
     * virtio disk whose host caches the file answers in microseconds), so what follows a miss cannot
     * be checked on this machine just now.
     */
    static void assumeTryMissed(boolean missed) {
        org.junit.jupiter.api.Assumptions.assumeTrue(missed, "no try of a dropped page missed in 2000 attempts:"
                + " the device read each page before the try looked");
    }

    static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        try {
            return f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** The failure the future completed with within 30 s, or null if it completed normally. */
    static Throwable failureOf(java.util.concurrent.CompletableFuture<?> f) throws Exception {
        try {
            f.get(30, java.util.concurrent.TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    /**
     * The bytes a read of {@code n} at {@code pos} returns through {@code f}, into a buffer of
     * {@code f}'s own (empty at the end of the file), within 60 s.
     */
    static byte[] readBytes(AsyncFile f, long pos, int n) throws Exception {
        try (IoBuffer buf = f.allocateBuffer(Math.max(n, 1))) {
            int got = await(f.read(buf.segment().asSlice(0, n), pos));
            return got <= 0 ? new byte[0] : buf.segment().asSlice(0, got).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    /** Writes all of {@code data} at {@code pos} through {@code f}, from a buffer of {@code f}'s own, within 60 s. */
    static void writeBytes(AsyncFile f, byte[] data, long pos) throws Exception {
        try (IoBuffer buf = f.allocateBuffer(data.length)) {
            java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(data), 0, buf.segment(), 0,
                    data.length);
            org.junit.jupiter.api.Assertions.assertEquals(data.length,
                    await(f.write(buf.segment().asSlice(0, data.length), pos)));
        }
    }

    /** The first {@code n} bytes of {@code seg}. */
    static byte[] bytes(java.lang.foreign.MemorySegment seg, long n) {
        return seg.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /** {@code n} bytes of {@code b} from {@code from}. */
    static byte[] range(byte[] b, int from, int n) {
        return java.util.Arrays.copyOfRange(b, from, from + n);
    }

    /** Writes {@code content} to a new file {@code name} in {@code dir}. */
    static Path file(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    /** {@code n} random bytes from {@code seed}. */
    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
