package dev.jaio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A read-only CACHED handle takes one descriptor, opened with O_DIRECT, through which the cache
 * reads its pages; a writable one takes two (a buffered one for the writes that go through the
 * kernel, and the O_DIRECT one). A server keeping files open (nginx's open_file_cache, {@code jaio
 * serve}) holds twice as many under one descriptor limit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CachedDescriptorsTest {


    private Path dir;
    private IoEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestFiles.newDirectory("cachedfds");
        engine = IoEngine.open(EngineConfig.defaults().withQueueDepth(64));
    }

    @AfterEach
    void tearDown() throws IOException {
        engine.close();
        TestFiles.deleteRecursively(dir);
    }

    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** The O_* flags of descriptor {@code fd}, from /proc/self/fdinfo (octal). */
    static int flags(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring(6).strip(), 8);
            }
        }
        throw new IOException("no flags in fdinfo of " + fd);
    }

    @Test
    void aReadOnlyCachedHandleTakesOneODirectDescriptorAndReadsTheFile() throws IOException {
        int n = 40;
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[3 * 4096 + 123 * i];
            new SplittableRandom(i).nextBytes(b);
            Files.write(dir.resolve("f" + i), b);
            contents.add(b);
        }
        long before = openFds();
        List<AsyncFile> files = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            for (int i = 0; i < n; i++) {
                files.add(AsyncFile.open(engine, dir.resolve("f" + i), FileOption.READ, FileOption.CACHED));
            }
            assertEquals(before + n, openFds(), "one descriptor per read-only CACHED handle");
            int fd = dev.jaio.internal.file.HandleAccess.openFile(files.get(0)).fd();
            int direct = flags(fd);
            assertTrue((direct & directFlag()) != 0, "the descriptor has O_DIRECT: flags " + Integer.toOctalString(direct));
            for (int i = 0; i < n; i++) {
                byte[] want = contents.get(i);
                MemorySegment buf = arena.allocate(want.length);
                assertEquals(want.length, files.get(i).read(buf, 0).join());
                assertArrayEquals(want, buf.toArray(ValueLayout.JAVA_BYTE), "file " + i);
            }
        } finally {
            for (AsyncFile f : files) {
                f.close();
            }
        }
        assertEquals(before, openFds(), "closing gives every descriptor back, none twice");
    }

    @Test
    void aWritableCachedHandleTakesTwo() throws IOException {
        Path p = dir.resolve("w");
        Files.write(p, new byte[8192]);
        long before = openFds();
        try (AsyncFile f = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE, FileOption.CACHED)) {
            assertEquals(before + 2, openFds());
            int fd = dev.jaio.internal.file.HandleAccess.openFile(f).fd();
            assertEquals(0, flags(fd) & directFlag(), "the handle's own descriptor is buffered");
        }
        assertEquals(before, openFds());
    }

    /**
     * CREATE_NEW with READ and CACHED on a file system without O_DIRECT (ramfs): the open says
     * CACHED cannot read pages there, not that the file it just created already exists (the
     * handle turns O_DIRECT after the open, never in it).
     */
    @Test
    void aCachedCreateNewWhereODirectIsRefusedSaysSo() throws Exception {
        Path mnt = dir.resolve("ramfs");
        Files.createDirectories(mnt);
        Process p = new ProcessBuilder("mount", "-t", "ramfs", "ramfs", mnt.toString()).redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "cannot mount ramfs (not root?)");
        try {
            Path f = mnt.resolve("new");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> AsyncFile.open(engine, f, FileOption.READ, FileOption.CREATE_NEW, FileOption.CACHED));
            assertTrue(e.getMessage().contains("CACHED reads pages with O_DIRECT"), e.getMessage());
        } finally {
            new ProcessBuilder("umount", mnt.toString()).start().waitFor();
        }
    }

    /**
     * An fsync of a read-only CACHED handle writes back what a writable handle of the file dirtied:
     * through the writable handle's descriptors (the read-only one's is O_RDONLY: a write through
     * it failed with EBADF, and that error stuck to the file's later syncs).
     */
    @Test
    void anFsyncOfAReadOnlyHandleWritesBackAWritersPages() throws Exception {
        Path p = dir.resolve("shared");
        Files.write(p, new byte[4 * 4096 + 100]);
        byte[] data = new byte[4 * 4096 + 100];
        new SplittableRandom(5).nextBytes(data);
        try (Arena arena = Arena.ofShared();
                AsyncFile w = AsyncFile.open(engine, p, FileOption.READ, FileOption.WRITE, FileOption.CACHED);
                AsyncFile r = AsyncFile.open(engine, p, FileOption.READ, FileOption.CACHED)) {
            MemorySegment src = arena.allocate(data.length);
            MemorySegment.copy(data, 0, src, ValueLayout.JAVA_BYTE, 0, data.length);
            assertEquals(data.length, w.write(src, 0).join()); // dirty in jaio's cache
            r.fsync().join(); // the read-only handle's sync writes them back
            assertArrayEquals(data, Files.readAllBytes(p), "the file after the read-only handle's fsync");
            w.fsync().join(); // and no error stuck to the file
        }
    }

    /** O_DIRECT as this architecture numbers it. */
    private static int directFlag() {
        return dev.jaio.internal.linux.Fcntl.O_DIRECT;
    }
}
