package dev.jaio.cli.loop;

import dev.jaio.EngineConfig;
import dev.jaio.cli.aiostress.CpuTimes;
import dev.jaio.loop.EventLoop;
import dev.jaio.loop.IoHandler;
import dev.jaio.loop.LoopConfig;
import dev.jaio.loop.Pipe;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The paper's §9.2 pipe workload: a message goes back and forth between two threads over two
 * pipes, as between two processes. On a backend, each side is an {@link EventLoop} (two loops, two
 * threads) and every read and write goes through the loop; the baseline is two platform threads
 * making blocking read(2)/write(2) calls on JDK pipes ({@link java.nio.channels.Pipe}, a pipe2(2) on
 * Linux). Measured: round trips per second, context switches per round trip ({@link ContextSwitches})
 * and CPU per round trip (/proc/self/stat).
 */
public final class PipePingPong {

    /** The name of the blocking baseline in results. */
    public static final String BLOCKING = "blocking-threads";

    /**
     * One measurement.
     *
     * @param backend a loop backend, or {@link #BLOCKING}
     * @param roundTrips measured round trips
     * @param seconds their wall-clock time
     * @param contextSwitches context switches of the process meanwhile (-1: unknown)
     * @param cpuSeconds user plus system CPU of the process meanwhile
     */
    public record Result(String backend, int messageBytes, long roundTrips, double seconds, long contextSwitches,
            double cpuSeconds) {

        /** Round trips per second. */
        public double roundTripsPerSecond() {
            return roundTrips / seconds;
        }

        /** Context switches per round trip. */
        public double switchesPerRoundTrip() {
            return contextSwitches < 0 ? Double.NaN : (double) contextSwitches / roundTrips;
        }

        /** CPU microseconds per round trip. */
        public double cpuMicrosPerRoundTrip() {
            return cpuSeconds * 1e6 / roundTrips;
        }
    }

    private PipePingPong() {
    }

    /** Runs {@code warmup} then {@code roundTrips} round trips of {@code size}-byte messages on {@code backend}. */
    public static Result onLoops(String backend, int size, long warmup, long roundTrips) throws Exception {
        LoopConfig config = LoopConfig.defaults().withBackend(backend).withFiles(EngineConfig.defaults().withQueueDepth(64));
        // The arena is closed last, after the loops: a loop's close waits for every request in the
        // kernel, and on uring the echo side's last read holds its buffer until then.
        try (Arena arena = Arena.ofShared(); EventLoop ping = EventLoop.open(config); EventLoop echo = EventLoop.open(config);
                Pipe there = echo.openPipeFrom(ping); Pipe back = ping.openPipeFrom(echo)) {
            MemorySegment out = arena.allocate(size);
            MemorySegment in = arena.allocate(size);
            MemorySegment echoBuf = arena.allocate(size);
            out.fill((byte) 'p');
            new Echo(there, back, echoBuf).start(echo);
            run(ping, there, back, out, in, warmup);
            long cs0 = ContextSwitches.now();
            CpuTimes cpu0 = CpuTimes.now();
            long t0 = System.nanoTime();
            run(ping, there, back, out, in, roundTrips);
            long t1 = System.nanoTime();
            CpuTimes cpu1 = CpuTimes.now();
            long cs1 = ContextSwitches.now();
            return new Result(ping.backend(), size, roundTrips, (t1 - t0) / 1e9, cs0 < 0 || cs1 < 0 ? -1 : cs1 - cs0,
                    cpu1.userSeconds() + cpu1.systemSeconds() - cpu0.userSeconds() - cpu0.systemSeconds());
        }
    }

    /** Ping side: {@code n} round trips, each a write of {@code out} and a read of as many bytes back. */
    private static void run(EventLoop loop, Pipe there, Pipe back, MemorySegment out, MemorySegment in, long n)
            throws Exception {
        if (n == 0) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Ping p = new Ping(there, back, out, in, n, done);
        loop.execute(p::send);
        done.get(10, TimeUnit.MINUTES);
    }

    /** The pinging side, on its loop: write, read back in full, repeat. */
    private static final class Ping implements IoHandler<Object> {
        private static final Object WROTE = new Object();
        private final Pipe there;
        private final Pipe back;
        private final MemorySegment out;
        private final MemorySegment in;
        private long left;
        private long got;
        private final CompletableFuture<Void> done;

        Ping(Pipe there, Pipe back, MemorySegment out, MemorySegment in, long n, CompletableFuture<Void> done) {
            this.there = there;
            this.back = back;
            this.out = out;
            this.in = in;
            this.left = n;
            this.done = done;
        }

        void send() {
            got = 0;
            there.sink().write(out, WROTE, this);
        }

        @Override
        public void completed(long result, Object attachment) {
            if (attachment == WROTE) {
                back.source().read(in, null, this);
                return;
            }
            if (result < 0) {
                done.completeExceptionally(new IOException("the echo side closed its pipe"));
                return;
            }
            got += result;
            if (got < in.byteSize()) {
                back.source().read(in.asSlice(got), null, this);
            } else if (--left == 0) {
                done.complete(null);
            } else {
                send();
            }
        }

        @Override
        public void failed(IOException cause, Object attachment) {
            done.completeExceptionally(cause);
        }
    }

    /** The echoing side, on its loop: read a message, write it back, for as long as the pipe is open. */
    private static final class Echo implements IoHandler<Object> {
        private static final Object WROTE = new Object();
        private final Pipe there;
        private final Pipe back;
        private final MemorySegment buf;

        Echo(Pipe there, Pipe back, MemorySegment buf) {
            this.there = there;
            this.back = back;
            this.buf = buf;
        }

        void start(EventLoop loop) {
            loop.execute(() -> there.source().read(buf, null, this));
        }

        @Override
        public void completed(long result, Object attachment) {
            if (attachment == WROTE) {
                there.source().read(buf, null, this);
            } else if (result > 0) {
                back.sink().write(buf.asSlice(0, result), WROTE, this);
            }
            // result < 0: the ping side closed; nothing more to echo
        }

        @Override
        public void failed(IOException cause, Object attachment) {
            // closed at the end of the run
        }
    }

    /** The baseline: two platform threads making blocking read(2) and write(2) calls on two JDK pipes. */
    public static Result blockingThreads(int size, long warmup, long roundTrips) throws Exception {
        java.nio.channels.Pipe there = java.nio.channels.Pipe.open();
        java.nio.channels.Pipe back = java.nio.channels.Pipe.open();
        Thread echo = Thread.ofPlatform().name("pingpong-echo").start(() -> {
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            try {
                while (true) {
                    b.clear();
                    int n = there.source().read(b);
                    if (n < 0) {
                        return;
                    }
                    b.flip();
                    while (b.hasRemaining()) {
                        back.sink().write(b);
                    }
                }
            } catch (IOException e) {
                // closed at the end
            }
        });
        try {
            ByteBuffer out = ByteBuffer.allocateDirect(size);
            ByteBuffer in = ByteBuffer.allocateDirect(size);
            blockingRun(there, back, out, in, warmup);
            long cs0 = ContextSwitches.now();
            CpuTimes cpu0 = CpuTimes.now();
            long t0 = System.nanoTime();
            blockingRun(there, back, out, in, roundTrips);
            long t1 = System.nanoTime();
            CpuTimes cpu1 = CpuTimes.now();
            long cs1 = ContextSwitches.now();
            return new Result(BLOCKING, size, roundTrips, (t1 - t0) / 1e9, cs0 < 0 || cs1 < 0 ? -1 : cs1 - cs0,
                    cpu1.userSeconds() + cpu1.systemSeconds() - cpu0.userSeconds() - cpu0.systemSeconds());
        } finally {
            there.sink().close();
            echo.join();
            there.source().close();
            back.sink().close();
            back.source().close();
        }
    }

    private static void blockingRun(java.nio.channels.Pipe there, java.nio.channels.Pipe back, ByteBuffer out,
            ByteBuffer in, long n) throws IOException {
        for (long i = 0; i < n; i++) {
            out.clear();
            while (out.hasRemaining()) {
                there.sink().write(out);
            }
            in.clear();
            while (in.hasRemaining()) {
                if (back.source().read(in) < 0) {
                    throw new IOException("the echo thread closed its pipe");
                }
            }
        }
    }
}
