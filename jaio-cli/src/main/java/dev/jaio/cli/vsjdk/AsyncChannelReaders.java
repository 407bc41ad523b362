package dev.jaio.cli.vsjdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * {@code jdk-async-filechannel}: an {@link AsynchronousFileChannel} with {@link ReadSpec#depth()}
 * reads in flight, started from one thread; each read's {@link CompletionHandler} records it and
 * starts the next read of its slot. On Linux the JDK runs each read as a blocking pread(2) on a
 * thread of the channel's pool: the channel gets a cached thread pool like the JDK's default one
 * ({@code Executors.newCachedThreadPool}), its own so that its size can be reported.
 */
final class AsyncChannelReaders {

    static final String NAME = "jdk-async-filechannel";

    private AsyncChannelReaders() {
    }

    static RunResult run(ReadSpec spec, Timing timing) throws Exception {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newCachedThreadPool(
                Thread.ofPlatform().daemon().name("vsjdk-afc-", 0).factory());
        Gate gate = new Gate();
        Slot[] slots = new Slot[spec.depth()];
        CountDownLatch stopped = new CountDownLatch(slots.length);
        Interval interval;
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(spec.file(), Set.of(StandardOpenOption.READ),
                pool)) {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new Slot(spec, ch, gate, spec.random(i), stopped);
            }
            int started = 0;
            try {
                for (Slot s : slots) {
                    s.start();
                    started++;
                }
                interval = Interval.measure(gate, timing, null);
            } finally {
                gate.stop = true;
                for (int i = started; i < slots.length; i++) {
                    stopped.countDown();
                }
                stopped.await();
            }
        } finally {
            pool.shutdown();
        }
        if (gate.failure() != null) {
            throw new ContenderException(gate.failure());
        }
        Histogram total = Latency.newTotal();
        long ops = 0;
        for (Slot s : slots) {
            ops += s.ops;
            total.add(s.latency);
        }
        String threads = ThreadsLabel.of(0, "1 platform", interval);
        return new ThreadReaders.Measured(ops, ops * spec.blockSize(), interval, Latency.of(total))
                .toResult(NAME, threads, null, List.of(), Map.of("poolThreadsLargest", pool.getLargestPoolSize()));
    }

    /**
     * One read in flight: its buffer, offsets and counters. Only one read of a slot is in flight at a
     * time and the channel's pool hands each completion over (happens-before), so its fields need no locks.
     */
    private static final class Slot implements CompletionHandler<Integer, Void> {
        final ReadSpec spec;
        final AsynchronousFileChannel ch;
        final Gate gate;
        final SplittableRandom random;
        final CountDownLatch stopped;
        final ByteBuffer buffer;
        final IntCountsHistogram latency = Latency.newRecorder();
        long position;
        long sentAt;
        long ops;

        Slot(ReadSpec spec, AsynchronousFileChannel ch, Gate gate, SplittableRandom random, CountDownLatch stopped) {
            this.spec = spec;
            this.ch = ch;
            this.gate = gate;
            this.random = random;
            this.stopped = stopped;
            this.buffer = ByteBuffer.allocateDirect(spec.blockSize());
        }

        void start() {
            buffer.clear();
            position = spec.nextOffset(random);
            sentAt = System.nanoTime();
            ch.read(buffer, position, null, this);
        }

        @Override
        public void completed(Integer n, Void unused) {
            long now = System.nanoTime();
            if (n != spec.blockSize()) {
                failed(new IOException("read of " + spec.blockSize() + " bytes at " + position + " returned " + n),
                        null);
                return;
            }
            if (gate.measuring) {
                ops++;
                Latency.record(latency, now - sentAt);
            }
            if (gate.stop) {
                stopped.countDown();
                return;
            }
            try {
                start();
            } catch (RuntimeException e) {
                failed(e, null);
            }
        }

        @Override
        public void failed(Throwable e, Void unused) {
            gate.fail(e);
            stopped.countDown();
        }
    }
}
