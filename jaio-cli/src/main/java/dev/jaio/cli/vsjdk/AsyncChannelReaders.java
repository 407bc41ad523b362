package dev.jaio.cli.vsjdk;

import dev.jaio.IoEngine;
import dev.jaio.nio.JaioAsynchronousFileChannel;
import dev.jaio.nio.JaioOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
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
 * {@code jdk-async-filechannel} and {@code jaio-nio-async}: an {@link AsynchronousFileChannel} with
 * {@link ReadSpec#depth()} reads in flight, started from one thread; each read's
 * {@link CompletionHandler} records it and starts the next read of its slot. On Linux the JDK runs
 * each read as a blocking pread(2) on a thread of the channel's pool; jaio's channel
 * ({@link JaioAsynchronousFileChannel}) submits it to a jaio engine and runs only the handler on its
 * executor. Each gets the kind of executor its implementation uses by default: the JDK's a cached
 * pool of platform threads like its default one ({@code Executors.newCachedThreadPool}, its own so
 * that its size can be reported), jaio's its default (a virtual thread per handler). The {@code -direct} rows open the file with
 * O_DIRECT (the JDK's {@code ExtendedOpenOption.DIRECT}) and read into page-aligned direct buffers.
 */
final class AsyncChannelReaders {

    static final String NAME = "jdk-async-filechannel";
    static final String JAIO_NAME = "jaio-nio-async";

    private AsyncChannelReaders() {
    }

    /** The JDK's channel, kernel-buffered. */
    static RunResult run(ReadSpec spec, Timing timing) {
        return run(NAME, spec, false, null, timing);
    }

    /**
     * @param direct O_DIRECT, with aligned buffers
     * @param jaioEngine the jaio engine's name for {@link JaioAsynchronousFileChannel}, or null for
     *     the JDK's own channel
     */
    static RunResult run(String name, ReadSpec spec, boolean direct, String jaioEngine, Timing timing) {
        try {
            return measure(name, spec, direct, jaioEngine, timing);
        } catch (Exception e) {
            return RunResult.failed(name, "1 platform + pool", null, e instanceof ContenderException ? e.getCause() : e);
        }
    }

    private static RunResult measure(String name, ReadSpec spec, boolean direct, String jaioEngine, Timing timing)
            throws Exception {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newCachedThreadPool(
                Thread.ofPlatform().daemon().name("vsjdk-afc-", 0).factory());
        Gate gate = new Gate();
        Slot[] slots = new Slot[spec.depth()];
        CountDownLatch stopped = new CountDownLatch(slots.length);
        Interval interval;
        Set<OpenOption> options = new HashSet<>();
        options.add(StandardOpenOption.READ);
        if (direct) {
            options.add(JdkDirect.DIRECT);
        }
        IoEngine engine = jaioEngine == null ? null : IoEngine.open(ReadContenders.engineConfig(jaioEngine, spec.depth()));
        String engineName = engine == null ? null : engine.name();
        if (engine != null) {
            options.add(JaioOpenOption.engine(engine));
        }
        int align = direct ? (int) Math.max(4096, Files.getFileStore(spec.file()).getBlockSize()) : 1;
        try (AsynchronousFileChannel ch = engine == null ? AsynchronousFileChannel.open(spec.file(), options, pool)
                : JaioAsynchronousFileChannel.open(spec.file(), options, null)) {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new Slot(spec, ch, gate, spec.random(i), stopped, align);
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
            if (engine != null) {
                engine.close();
            }
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
        String threads = ThreadsLabel.of(0, engine == null ? "1 platform"
                : "1 platform + handlers on virtual threads (" + interval.threads().carriers() + " carriers)", interval);
        return new ThreadReaders.Measured(ops, ops * spec.blockSize(), interval, Latency.of(total))
                .toResult(name, threads, engineName, List.of(), engine == null
                        ? Map.of("poolThreadsLargest", pool.getLargestPoolSize()) : Map.of());
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

        Slot(ReadSpec spec, AsynchronousFileChannel ch, Gate gate, SplittableRandom random, CountDownLatch stopped,
                int align) {
            this.spec = spec;
            this.ch = ch;
            this.gate = gate;
            this.random = random;
            this.stopped = stopped;
            this.buffer = ByteBuffer.allocateDirect(spec.blockSize() + align - 1).alignedSlice(align)
                    .limit(spec.blockSize()).slice();
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
