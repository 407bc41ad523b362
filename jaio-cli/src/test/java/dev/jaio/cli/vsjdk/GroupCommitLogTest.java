package dev.jaio.cli.vsjdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group-commit log: producers released only once their batch and every earlier one is
 * durable, batches completed out of order, the records where the committer put them (checked by
 * reading the file here, not with the log's own verifier).
 */
class GroupCommitLogTest {

    @TempDir(factory = BuildDiskTempDir.class)
    Path dir;

    /**
     * Every log contender on a real log: each producer's first records are in the file at the
     * positions the committer gave them, with their header and payload, read back with plain NIO.
     */
    @Test
    void everyContenderPutsTheRecordsWhereTheCommitterSaid() throws Exception {
        Path file = dir.resolve("data");
        java.nio.file.Files.write(file, new byte[4096]);
        VsJdkSettings s = new VsJdkSettings(file, "auto", List.of("log"), new Timing(0.02, 0.2), 8, 4096, 0, 100, 6, 1_000,
                3, 1, 7);
        try (LogWorkload w = new LogWorkload(s)) {
            w.prepare();
            int run = 0;
            for (String name : LogWorkload.CONTENDERS) {
                LogWorkload.LogRun r;
                try (LogWriter writer = w.open(name)) {
                    r = w.runWith(writer, s.timing(), ++run);
                }
                assertTrue(r.stats().recordsDurable() > 0, name);
                assertEquals(r.stats().recordsDurable(), r.stats().recordsVerified(), name);
                int checked = 0;
                try (FileChannel ch = FileChannel.open(w.log(), StandardOpenOption.READ)) {
                    for (int p = 0; p < s.producers(); p++) {
                        for (int seq = 0; seq < GroupCommitLog.SAMPLES; seq++) {
                            long pos = r.group().position(p, seq);
                            if (pos < 0) {
                                continue;
                            }
                            assertRecordAt(ch, pos, r.nonce(), p, seq, name);
                            checked++;
                        }
                    }
                }
                assertTrue(checked >= s.producers(), name + ": checked " + checked);
            }
        }
    }

    private static void assertRecordAt(FileChannel ch, long pos, long nonce, int producer, int seq, String name)
            throws IOException {
        ByteBuffer b = ByteBuffer.allocate(LogRecords.MAX).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, pos + b.position()) > 0) {
            // read what is there
        }
        b.flip();
        String at = name + ": record " + producer + "/" + seq + " at " + pos;
        assertEquals(0x4C53564A, b.getInt(0), at);
        int length = b.getInt(4);
        assertTrue(length >= 100 && length <= 4000, at + " length " + length);
        assertEquals(nonce, b.getLong(8), at);
        assertEquals(producer, b.getInt(16), at);
        assertEquals(seq, b.getInt(20), at);
        int start = (producer * 31 + seq * 7) & 0xFF;
        for (int i = 24; i < length; i++) {
            assertEquals((byte) (start + i - 24), b.get(i), at + " byte " + i);
        }
    }

    /**
     * A writer that holds every batch back and completes them newest first, four at a time, into
     * memory: the log still releases no producer before all earlier batches are durable, and the
     * memory holds every record (with the padding of O_DIRECT).
     */
    @Test
    void batchesCompletedOutOfOrderReleaseProducersInLogOrder() throws Exception {
        for (int alignment : new int[] {1, 4096}) {
            ReversingWriter writer = new ReversingWriter(alignment, 4);
            Gate gate = new Gate();
            long capacity = 8 << 20;
            int producers = 5;
            GroupCommitLog log = new GroupCommitLog(writer, gate, capacity, producers, Long.MAX_VALUE);
            Thread committer = Thread.ofPlatform().start(log::runCommitter);
            List<Thread> threads = new ArrayList<>();
            long nonce = 42;
            int perProducer = 60;
            for (int p = 0; p < producers; p++) {
                int id = p;
                threads.add(Thread.ofVirtual().start(() -> {
                    MemorySegment rec = MemorySegment.ofArray(new byte[LogRecords.MAX]);
                    for (int seq = 0; seq < perProducer; seq++) {
                        int length = 100 + (id * 997 + seq * 131) % 3900;
                        LogRecords.write(rec, nonce, id, seq, length);
                        long before = writer.completedInOrder();
                        if (!log.append(rec, length, id, seq)) {
                            gate.fail(new AssertionError("append refused"));
                            return;
                        }
                        // Durable means every batch up to ours completed: the prefix of completed batches grew.
                        if (writer.completedInOrder() <= before) {
                            gate.fail(new AssertionError("released before its batch was durable"));
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            log.close();
            committer.join();
            writer.shutdown();
            assertEquals(null, gate.failure(), "alignment " + alignment);
            assertTrue(writer.reordered > 0, "the writer completed some batches out of order");
            long records = LogRecords.verify(writer.memory, log.end(), nonce, producers, log.paddingAlignment());
            assertEquals((long) producers * perProducer, records, "alignment " + alignment);
            assertEquals(alignment == 1 ? 0 : 4096, log.paddingAlignment());
        }
    }

    @Test
    void theVerifierFindsALostOrDamagedRecord() throws IOException {
        MemorySegment log = Arena.ofAuto().allocate(1 << 16);
        long pos = 0;
        long nonce = 5;
        for (int seq = 0; seq < 10; seq++) {
            LogRecords.write(log.asSlice(pos), nonce, seq % 2, seq / 2, 200 + seq);
            pos += 200 + seq;
        }
        long end = pos;
        assertEquals(10, LogRecords.verify(log, end, nonce, 2, 0));
        assertThrows(IOException.class, () -> LogRecords.verify(log, end, nonce + 1, 2, 0), "another run's records");
        assertThrows(IOException.class, () -> LogRecords.verify(log, end, nonce, 1, 0), "an unknown producer");
        log.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 1000, (byte) 77);
        IOException e = assertThrows(IOException.class, () -> LogRecords.verify(log, end, nonce, 2, 0));
        assertTrue(e.getMessage().contains("differs"), e.getMessage());
        // A record of zeros where one should be: with padding allowed it is no padding at a block start.
        MemorySegment zeros = Arena.ofAuto().allocate(8192);
        LogRecords.write(zeros, nonce, 0, 0, 100);
        assertThrows(IOException.class, () -> LogRecords.verify(zeros, 4096 + 100, nonce, 1, 4096));
        LogRecords.write(zeros.asSlice(4096), nonce, 0, 1, 100);
        assertEquals(2, LogRecords.verify(zeros, 4096 + 100, nonce, 1, 4096));
        assertThrows(IOException.class, () -> LogRecords.verify(zeros, 4096 + 100, nonce, 1, 0), "padding not allowed");
    }

    /** Writes into memory on another thread, holding batches back and completing them newest first. */
    private static final class ReversingWriter implements LogWriter {
        final int alignment;
        final int inFlight;
        final MemorySegment memory = Arena.ofShared().allocate(8 << 20, 4096);
        final ExecutorService completer = Executors.newSingleThreadExecutor();
        final List<Runnable> held = new ArrayList<>();
        int reordered;
        private long submitted;
        private long completed;
        private long completedInOrder;
        private final java.util.BitSet done = new java.util.BitSet();

        ReversingWriter(int alignment, int inFlight) {
            this.alignment = alignment;
            this.inFlight = inFlight;
        }

        @Override
        public int maxInFlight() {
            return inFlight;
        }

        @Override
        public int alignment() {
            return alignment;
        }

        @Override
        public MemorySegment allocate(long bytes) {
            return Arena.ofShared().allocate(bytes, 4096);
        }

        synchronized long completedInOrder() {
            return completedInOrder;
        }

        @Override
        public synchronized void write(MemorySegment bytes, long position, Consumer<Throwable> done) {
            assertEquals(0, position % alignment);
            assertEquals(0, bytes.byteSize() % alignment);
            long index = submitted++;
            MemorySegment copy = Arena.ofAuto().allocate(bytes.byteSize());
            copy.copyFrom(bytes);
            held.add(() -> {
                MemorySegment.copy(copy, 0, memory, position, copy.byteSize());
                synchronized (this) {
                    this.done.set((int) index);
                    while (this.done.get((int) completedInOrder)) {
                        completedInOrder++;
                    }
                    completed++;
                }
                done.accept(null);
            });
            // Complete newest first once a full window is held, or after a moment when the producers wait.
            if (held.size() == inFlight) {
                flushReversed();
            } else {
                completer.execute(() -> {
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    synchronized (ReversingWriter.this) {
                        flushReversed();
                    }
                });
            }
        }

        private void flushReversed() {
            List<Runnable> batch = new ArrayList<>(held);
            held.clear();
            if (batch.size() > 1) {
                reordered++;
            }
            completer.execute(() -> {
                for (int i = batch.size() - 1; i >= 0; i--) {
                    batch.get(i).run();
                }
            });
        }

        void shutdown() throws InterruptedException {
            completer.shutdown();
            assertTrue(completer.awaitTermination(10, TimeUnit.SECONDS));
        }

        @Override
        public String engine() {
            return null;
        }

        @Override
        public void close() {
        }
    }
}
