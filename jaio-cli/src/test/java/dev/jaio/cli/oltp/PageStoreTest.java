package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jaio.cli.oltp.OltpSettings.IoMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The page store's descriptors as the kernel sees them (/proc/self/fdinfo), and a page's round trip. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PageStoreTest {

    /** O_DSYNC and O_DIRECT of asm-generic/fcntl.h (x86-64), octal as fdinfo prints them. */
    static final int O_DSYNC = 010000;
    static final int O_DIRECT = 040000;

    @RegisterExtension
    static final EngineExtension ENGINE = new EngineExtension();

    @TempDir
    Path dir;

    /** The open flags of every descriptor of this process on {@code file}. */
    static List<Integer> flagsOf(Path file) throws IOException {
        Path real = file.toRealPath();
        List<Integer> flags = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (!Files.readSymbolicLink(fd).equals(real)) {
                        continue;
                    }
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo").resolve(fd.getFileName()))) {
                        if (line.startsWith("flags:")) {
                            flags.add(Integer.parseInt(line.substring("flags:".length()).trim(), 8));
                        }
                    }
                } catch (IOException gone) {
                    // a descriptor closed meanwhile (the listing's own, another test's)
                }
            }
        }
        return flags;
    }

    @ParameterizedTest
    @CsvSource({"DIRECT, true", "DIRECT, false", "BUFFERED, true", "CACHED, true"})
    void pageDsyncOpensEveryDescriptorODsyncAndAPageComesBackWhole(IoMode mode, boolean dsync) throws IOException {
        Path db = dir.resolve("db");
        Database.prepare(db, dir.resolve("log"), 16L * PageFormat.PAGE_SIZE, b -> { });
        try (PageStore store = new PageStore(ENGINE.engine(), db, mode, dsync); Arena arena = Arena.ofShared()) {
            List<Integer> flags = flagsOf(db);
            assertFalse(flags.isEmpty(), "the store holds the file open");
            // CACHED: jaio's cache makes a DSYNC handle's writes durable itself (range writeback,
            // then fdatasync: CachedWriteDurabilityTest in jaio-core), so its descriptors carry no O_DSYNC.
            for (int f : mode == IoMode.CACHED ? List.<Integer>of() : flags) {
                assertEquals(dsync, (f & O_DSYNC) != 0, "O_DSYNC of a descriptor, flags 0" + Integer.toOctalString(f));
                if (mode == IoMode.DIRECT) {
                    assertEquals(O_DIRECT, f & O_DIRECT, "O_DIRECT of a descriptor, flags 0" + Integer.toOctalString(f));
                }
            }
            MemorySegment page = arena.allocate(PageFormat.PAGE_SIZE, 4096);
            store.read(3, page);
            assertEquals(PageFormat.Verdict.OK, PageFormat.verify(page, 3));
            page.set(ValueLayout.JAVA_LONG, PageFormat.ROWS, 42);
            PageFormat.seal(page);
            byte[] written = page.toArray(ValueLayout.JAVA_BYTE);
            store.write(3, page);
            page.fill((byte) 0);
            store.read(3, page);
            assertArrayEquals(written, page.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
