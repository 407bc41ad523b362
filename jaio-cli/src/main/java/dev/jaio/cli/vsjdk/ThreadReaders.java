package dev.jaio.cli.vsjdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadFactory;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * The thread-per-request shape: {@link ReadSpec#depth()} threads (virtual or platform), each with
 * its own buffer and its own random offsets, each doing one blocking read after another. Used by
 * every contender that blocks a thread per read, JDK and jaio alike, so they differ only in the
 * read itself.
 */
final class ThreadReaders {

    /** One thread's blocking read into its own buffer. */
    @FunctionalInterface
    interface Reader {
        /** Reads {@link ReadSpec#blockSize()} bytes at {@code position}; {@return the bytes read} */
        int read(long position) throws Exception;
    }

    /** Makes thread {@code index}'s reader, with its own buffer (called before the threads start). */
    @FunctionalInterface
    interface ReaderFactory {
        Reader open(int index) throws Exception;
    }

    private ThreadReaders() {
    }

    /**
     * Runs the readers for the ramp and the measured interval, then stops and joins them.
     *
     * @param virtual virtual threads, else platform threads
     * @param probe hooks around the measured interval, or null
     * @return the measured ops, bytes and latency, with the interval; a failed read fails the run
     */
    static Measured run(ReadSpec spec, boolean virtual, ReaderFactory factory, Timing timing, Interval.Probe probe)
            throws Exception {
        int n = spec.depth();
        Worker[] workers = new Worker[n];
        for (int i = 0; i < n; i++) {
            workers[i] = new Worker(spec, factory.open(i), spec.random(i));
        }
        Gate gate = new Gate();
        ThreadFactory threads = virtual ? Thread.ofVirtual().name("vsjdk-reader-", 0).factory()
                : Thread.ofPlatform().daemon().name("vsjdk-reader-", 0).factory();
        List<Thread> started = new ArrayList<>(n);
        Interval interval;
        try {
            for (Worker w : workers) {
                w.gate = gate;
                Thread t = threads.newThread(w);
                t.start();
                started.add(t);
            }
            interval = Interval.measure(gate, timing, probe);
        } finally {
            gate.stop = true;
            for (Thread t : started) {
                t.join();
            }
        }
        if (gate.failure() != null) {
            throw new ContenderException(gate.failure());
        }
        Histogram total = Latency.newTotal();
        long ops = 0;
        for (Worker w : workers) {
            ops += w.ops;
            total.add(w.latency);
        }
        return new Measured(ops, ops * spec.blockSize(), interval, Latency.of(total));
    }

    /** What a run measured. */
    record Measured(long ops, long bytes, Interval interval, Latency latency) {

        RunResult toResult(String contender, String threads, String engine, List<String> notes,
                Map<String, Object> extra) {
            return new RunResult(contender, threads, engine, ops, bytes, interval.seconds(), interval.cpuSeconds(),
                    latency, null, null, notes, Extras.withInterval(extra, interval));
        }
    }

    private static final class Worker implements Runnable {
        final ReadSpec spec;
        final Reader reader;
        final SplittableRandom random;
        final IntCountsHistogram latency = Latency.newRecorder();
        Gate gate;
        long ops;

        Worker(ReadSpec spec, Reader reader, SplittableRandom random) {
            this.spec = spec;
            this.reader = reader;
            this.random = random;
        }

        @Override
        public void run() {
            int bs = spec.blockSize();
            try {
                while (!gate.stop) {
                    long position = spec.nextOffset(random);
                    long t0 = System.nanoTime();
                    int n = reader.read(position);
                    long t1 = System.nanoTime();
                    if (n != bs) {
                        throw new java.io.IOException("read of " + bs + " bytes at " + position + " returned " + n);
                    }
                    if (gate.measuring) {
                        ops++;
                        Latency.record(latency, t1 - t0);
                    }
                }
            } catch (Throwable t) {
                gate.fail(t);
            }
        }
    }
}
