package dev.jaio.internal.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.internal.engine.EngineProvider;
import dev.jaio.internal.engine.IoQueue;
import dev.jaio.internal.engine.QueueOptions;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How {@code auto} falls back. Whether an engine is available is the kernel's answer, probed by each
 * engine's own tests; here engines that answer "no" stand in for a kernel with io_uring disabled.
 */
class EnginesTest {

    private record Named(String name, String unavailabilityCause) implements EngineProvider {
        @Override
        public String description() {
            return name;
        }

        @Override
        public IoQueue openQueue(QueueOptions options) throws IOException {
            throw new IOException("not for this test");
        }
    }

    @Test
    void autoFallsBackInPreferenceOrderAndSaysWhy() {
        var uring = new Named("uring", "io_uring_setup: EPERM (Operation not permitted); io_uring is disabled");
        var aio = new Named("aio", null);
        var threads = new Named("threads", null);
        assertSame(aio, Engines.firstAvailable(List.of(uring, aio, threads)));
        String why = Engines.autoReason(List.of(uring, aio, threads));
        assertEquals("skipped uring: io_uring_setup: EPERM (Operation not permitted); io_uring is disabled; "
                + "picked aio: the first available in preference order (uring > aio > threads)", why);
        var noAio = new Named("aio", "io_setup: ENOSYS: kernel built without CONFIG_AIO");
        assertSame(threads, Engines.firstAvailable(List.of(uring, noAio, threads)));
        assertTrue(Engines.autoReason(List.of(uring, noAio, threads)).contains("skipped aio: io_setup: ENOSYS"));
        assertThrows(IllegalStateException.class, () -> Engines.firstAvailable(List.of(uring, noAio)));
    }

    /** An engine the static probe accepts but whose real setup the kernel refuses, as io_uring_setup under RLIMIT_MEMLOCK. */
    private record RefusesSetup(String name) implements EngineProvider {
        @Override
        public String description() {
            return name;
        }

        @Override
        public String unavailabilityCause() {
            return null;
        }

        @Override
        public IoQueue openQueue(QueueOptions options) throws IOException {
            throw new IOException("io_uring_setup for a queue of " + options.capacity() + " requests failed: ENOMEM");
        }
    }

    @Test
    void autoFallsBackWhenTheRealSetupFailsAndNamesTheReason() throws IOException {
        var uring = new RefusesSetup("uring");
        Engines.Opened opened = Engines.openFirst(List.of(uring, Engines.byName("threads")),
                new QueueOptions(256, true, 2, 0));
        try {
            assertEquals("threads", opened.provider().name());
            assertTrue(opened.reason().startsWith("skipped uring: io_uring_setup for a queue of 256 requests failed: ENOMEM; "
                    + "picked threads"), opened.reason());
        } finally {
            opened.queue().close();
        }
        IOException none = assertThrows(IOException.class,
                () -> Engines.openFirst(List.of(uring), new QueueOptions(256, true, 2, 0)));
        assertTrue(none.getMessage().contains("skipped uring: io_uring_setup for a queue of 256 requests failed: ENOMEM"),
                none.getMessage());
    }

    @Test
    void aFallbackIsLoggedOnceAtWarningThenAtDebug() throws IOException {
        // System.Logger "dev.jaio.engine" goes to java.util.logging here (the JDK's default backend)
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.jaio.engine");
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        h.setLevel(java.util.logging.Level.ALL);
        java.util.logging.Level before = jul.getLevel();
        jul.setLevel(java.util.logging.Level.ALL);
        jul.addHandler(h);
        try {
            var uring = new RefusesSetup("uring");
            for (int i = 0; i < 2; i++) {
                Engines.openFirst(List.of(uring, Engines.byName("threads")), new QueueOptions(256, true, 2, 0))
                        .queue().close();
            }
        } finally {
            jul.removeHandler(h);
            jul.setLevel(before);
        }
        assertEquals(2, records.size(), records.toString());
        for (java.util.logging.LogRecord r : records) {
            assertTrue(r.getMessage().startsWith("jaio engine auto: skipped uring: io_uring_setup for a queue of 256"
                    + " requests failed: ENOMEM; picked threads"), r.getMessage());
        }
        // once per JVM at WARNING (an earlier test's fallback may have been that once), then DEBUG
        assertTrue(records.get(0).getLevel() == java.util.logging.Level.WARNING
                || records.get(0).getLevel() == java.util.logging.Level.FINE, records.get(0).getLevel().toString());
        assertEquals(java.util.logging.Level.FINE, records.get(1).getLevel());
    }

    @Test
    void everyRealEngineIsKnownByNameAndUnknownNamesAreRefused() {
        assertEquals("uring", Engines.byName("uring").name());
        assertEquals("aio", Engines.byName("aio").name());
        assertEquals("threads", Engines.byName("threads").name());
        assertEquals(Engines.auto().name(), Engines.byName("auto").name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Engines.byName("libaio"));
        assertTrue(e.getMessage().contains("auto, uring, aio, threads"), e.getMessage());
    }
}
