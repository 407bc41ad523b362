package dev.jaio.cli.aiostress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static AioStressOptions.Builder files(int n) {
        AioStressOptions.Builder b = AioStressOptions.builder().fileSize(4 * Sizes.MIB);
        for (int i = 0; i < n; i++) {
            b.file(Path.of("f" + i));
        }
        return b;
    }

    @Test
    void defaultsAreTheOriginals() {
        AioStressOptions o = files(1).build();
        assertEquals(64 * Sizes.KIB, o.recordSize());
        assertEquals(64, o.depth());
        assertEquals(8, o.iosPerIteration());
        assertEquals(1, o.contexts());
        assertEquals(2 * Sizes.MIB, o.contextOffset());
        assertEquals(-1, o.iterations());
        assertEquals(1, o.threads());
        assertEquals(List.of(Stage.WRITE, Stage.READ, Stage.RANDOM_WRITE, Stage.RANDOM_READ), o.stages());
        assertEquals(1024 * Sizes.MIB, AioStressOptions.builder().file(Path.of("f")).build().fileSize());
        Settings s = Settings.resolve(o);
        assertEquals(8, s.maxIoSubmit());
        assertEquals(8, s.iosPerIteration());
        assertEquals(List.of(), s.notes());
    }

    @Test
    void maxIoSubmitDefaultsToFilesTimesContextsTimesIoIter() {
        Settings s = Settings.resolve(files(3).contexts(2).build());
        assertEquals(3 * 2 * 8, s.maxIoSubmit());
    }

    @Test
    void ioIterDropsToTheDepthThenToMaxIoSubmit() {
        Settings s = Settings.resolve(files(1).depth(4).build());
        assertEquals(4, s.iosPerIteration());
        assertEquals(List.of("dropping io_iter to 4"), s.notes());
        s = Settings.resolve(files(1).maxIoSubmit(2).build());
        assertEquals(2, s.iosPerIteration());
        assertEquals(List.of("dropping io_iter to 2"), s.notes());
    }

    @Test
    void threadsAreCappedAtFilesTimesContexts() {
        Settings s = Settings.resolve(files(2).threads(8).build());
        assertEquals(2, s.threads());
        assertEquals(List.of("dropping thread count to the number of contexts 2"), s.notes());
    }

    @Test
    void stagesRunInTheFixedOrderWhateverTheFlagOrder() {
        AioStressOptions o = files(1).stage(Stage.RANDOM_READ).stage(Stage.WRITE).stage(Stage.RANDOM_READ).build();
        assertEquals(List.of(Stage.WRITE, Stage.RANDOM_READ), o.stages());
        assertEquals(List.of("starting with write"), Settings.resolve(o).notes());
    }

    @Test
    void aFileTooSmallForItsContextsIsAUsageError() {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> Settings.resolve(files(1).fileSize(Sizes.MIB).build()));
        assertEquals("file size 1048576 too small for 1 contexts", e.getMessage());
        assertThrows(InvalidOptionException.class,
                () -> Settings.resolve(files(1).contexts(3).fileSize(5 * Sizes.MIB).build()));
    }

    @Test
    void badValuesNameTheirFlag() {
        assertEquals("-r 0b: the record size must be 1 byte to 2 GiB - 4 KiB",
                assertThrows(InvalidOptionException.class, () -> files(1).recordSize(0).build()).getMessage());
        assertEquals("-a 3000b: the alignment must be a power of two up to 1 GiB",
                assertThrows(InvalidOptionException.class, () -> files(1).alignment(3000).build()).getMessage());
        assertEquals("-d 0: the depth must be at least 1",
                assertThrows(InvalidOptionException.class, () -> files(1).depth(0).build()).getMessage());
        assertEquals("-I 0: must be at least 1, or -1 for no limit",
                assertThrows(InvalidOptionException.class, () -> files(1).iterations(0).build()).getMessage());
        assertEquals("FILE: no file given",
                assertThrows(InvalidOptionException.class, () -> files(0).build()).getMessage());
    }
}
