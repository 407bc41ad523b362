package dev.jaio.cli.vsjdk;

import dev.jaio.AsyncFile;
import dev.jaio.CompletionHandler;
import dev.jaio.IoBuffer;
import dev.jaio.IoContext;
import dev.jaio.IoEngine;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.IntCountsHistogram;

/**
 * The batch shape: one platform thread keeps {@link ReadSpec#depth()} reads in flight on one
 * {@link IoContext}, as {@code jaio bench} does: every completion reaped (up to the depth per call)
 * is recorded and replaced by a new read at once, and the replacements go to the kernel together
 * with the next submit.
 */
final class ContextReader implements CompletionHandler {

    private final ReadSpec spec;
    private final AsyncFile file;
    private final Gate gate = new Gate();
    private final long[] sentAt;
    private final long[] positions;
    private final SplittableRandom random;
    private final IntCountsHistogram latency = Latency.newRecorder();
    private IoContext ctx;
    private MemorySegment[] slices;
    private boolean refill = true;
    private long ops;
    private long badResult;
    private long badPosition = -1;

    private ContextReader(ReadSpec spec, AsyncFile file) {
        this.spec = spec;
        this.file = file;
        this.sentAt = new long[spec.depth()];
        this.positions = new long[spec.depth()];
        this.random = spec.random(0);
    }

    /** Runs the loop on a new platform thread for the ramp and the measured interval. */
    static ThreadReaders.Measured run(ReadSpec spec, IoEngine engine, AsyncFile file, Timing timing,
            Interval.Probe probe) throws Exception {
        ContextReader r = new ContextReader(spec, file);
        Thread loop = Thread.ofPlatform().daemon().name("vsjdk-context").start(() -> r.loop(engine));
        Interval interval;
        try {
            interval = Interval.measure(r.gate, timing, probe);
        } finally {
            r.gate.stop = true;
            loop.join();
        }
        if (r.gate.failure() != null) {
            throw new ContenderException(r.gate.failure());
        }
        return new ThreadReaders.Measured(r.ops, r.ops * spec.blockSize(), interval, Latency.of(r.latency));
    }

    private void loop(IoEngine engine) {
        int depth = spec.depth();
        try (IoContext c = engine.newContext(depth);
             IoBuffer buffers = file.allocateBuffer((long) spec.blockSize() * depth)) {
            ctx = c;
            slices = new MemorySegment[depth];
            for (int i = 0; i < depth; i++) {
                slices[i] = buffers.segment().asSlice((long) spec.blockSize() * i, spec.blockSize());
                prepare(i);
            }
            ctx.submit();
            try {
                while (!gate.stop) {
                    ctx.getEvents(1, depth, -1, TimeUnit.NANOSECONDS, this);
                    ctx.submit();
                    if (badPosition >= 0) {
                        throw new IOException("read of " + spec.blockSize() + " bytes at " + badPosition + " returned "
                                + (badResult < 0 ? IoContext.errorName(badResult) : Long.toString(badResult)));
                    }
                }
            } finally {
                refill = false;
                while (ctx.outstanding() > 0) {
                    if (ctx.unsubmitted() > 0) {
                        ctx.submit();
                    }
                    ctx.getEvents(1, depth, -1, TimeUnit.NANOSECONDS, this);
                }
            }
        } catch (Throwable t) {
            gate.fail(t);
        }
    }

    private void prepare(int slot) {
        long position = spec.nextOffset(random);
        positions[slot] = position;
        sentAt[slot] = System.nanoTime();
        if (!ctx.prepareRead(file, slices[slot], position, slot)) {
            throw new IllegalStateException("the context refused a read with a slot free");
        }
    }

    @Override
    public void onCompletion(long cookie, long result) {
        long now = System.nanoTime();
        int slot = (int) cookie;
        if (result != spec.blockSize()) {
            if (badPosition < 0) {
                badPosition = positions[slot];
                badResult = result;
            }
            return;
        }
        if (gate.measuring) {
            ops++;
            Latency.record(latency, now - sentAt[slot]);
        }
        if (refill) {
            prepare(slot);
        }
    }
}
