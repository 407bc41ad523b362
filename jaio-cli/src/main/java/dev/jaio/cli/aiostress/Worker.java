package dev.jaio.cli.aiostress;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.jaio.CompletionHandler;
import dev.jaio.FileAdvice;
import dev.jaio.IoBuffer;
import dev.jaio.IoContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.HdrHistogram.Histogram;

/**
 * One aio-stress thread (the original's worker and thread_info): its own {@link IoContext}, a pool
 * of depth x (its opers) I/O units on one free list, and the original's state machine. Each pass
 * of the submit loop walks the circular list of active opers, builds up to io_iter requests for
 * each runnable one until max io_submit would be exceeded, and hands them all to one
 * {@link IoContext#submit()}; when the pool is empty it reaps min(io_iter, in flight) completions.
 * Nothing on the submit and reap paths allocates.
 */
final class Worker implements Runnable {

    private static final long FSYNC_COOKIE = -1;
    private static final long UNSET = Long.MIN_VALUE;
    private static final byte VERIFY_BYTE = 'b';

    final int index;
    private final Run run;
    private final AioStressOptions options;
    private final Output output;
    private final List<Oper> opers;
    private final List<Oper> participating;
    private final Oper.List active = new Oper.List();
    private final Oper.List built = new Oper.List();
    private final Oper.List finished = new Oper.List();
    private final int ioIter;
    private final int maxIoSubmit;
    private final int poolSize;
    private final long recordSize;
    private final long bufferAlignment;
    private final IntSupplier rand;
    private final CompletionHandler handler = this::onCompletion;

    private IoContext ctx;
    private Stage stage;
    private final MemorySegment[] unitBuffer;
    private MemorySegment verifyBuffer;
    private final Oper[] unitOper;
    private final long[] unitOffset;
    private final long[] unitStart;
    private final int[] unitSeq;
    private final int[] free;
    private int freeTop;
    /** Units prepared or in flight and not yet reaped (the original's num_global_pending, counted at build). */
    private int pending;
    private final int[] batchUnit;
    private final int[] batchSeq;
    private int batchSize;
    private int batchMarked;
    private long callStart;
    private long reapNow;
    private long fsyncResult;
    private boolean fsyncDone;

    final Latency submitLatency = new Latency();
    final Latency completionLatency = new Latency();
    final Histogram histogram = new Histogram(3);
    /** Bytes submitted in the current stage, for the progress line. */
    volatile long startedBytes;
    long stageBytesCompleted;
    long stageErrors;
    long stageVerifyErrors;
    boolean stageCapped;
    ThreadStageResult stageResult;

    Worker(int index, Run run, List<Oper> opers, long bufferAlignment) {
        this.index = index;
        this.run = run;
        this.options = run.options;
        this.output = run.output;
        this.opers = List.copyOf(opers);
        this.participating = new ArrayList<>(opers);
        this.ioIter = run.settings.iosPerIteration();
        this.maxIoSubmit = run.settings.maxIoSubmit();
        this.poolSize = options.depth() * opers.size();
        this.recordSize = options.recordSize();
        this.bufferAlignment = bufferAlignment;
        this.rand = run::rand;
        this.unitBuffer = new MemorySegment[poolSize];
        this.unitOper = new Oper[poolSize];
        this.unitOffset = new long[poolSize];
        this.unitStart = new long[poolSize];
        this.unitSeq = new int[poolSize];
        this.free = new int[poolSize];
        int batchMax = Math.min(poolSize, maxIoSubmit) + ioIter;
        this.batchUnit = new int[batchMax];
        this.batchSeq = new int[batchMax];
    }

    @Override
    public void run() {
        long padded = (recordSize + bufferAlignment - 1) / bufferAlignment * bufferAlignment;
        long bytes = padded * poolSize + (options.verify() ? padded : 0);
        try (IoContext c = run.engine.newContext(poolSize);
             IoBuffer buffer = IoBuffer.allocate(bytes, bufferAlignment)) {
            ctx = c;
            MemorySegment all = buffer.segment();
            for (int u = 0; u < poolSize; u++) {
                unitBuffer[u] = all.asSlice(u * padded, recordSize);
                if (options.verify()) {
                    unitBuffer[u].fill(VERIFY_BYTE);
                }
                free[freeTop++] = poolSize - 1 - u; // unit 0 on top, like the original's free list
            }
            if (options.verify()) {
                verifyBuffer = all.asSlice(poolSize * padded, recordSize);
                verifyBuffer.fill(VERIFY_BYTE);
            }
            stages();
        } catch (Run.Aborted e) {
            // another thread failed; the run reports that
        } catch (Throwable t) {
            run.fail(t);
        }
    }

    private void stages() throws IOException {
        for (Stage s : run.settings.stages()) {
            stage = s;
            if (options.dropCache()) {
                dropCache();
            }
            run.awaitStageStart(stage);
            long stageStart = System.nanoTime();
            stageBytesCompleted = 0;
            stageErrors = 0;
            stageVerifyErrors = 0;
            stageCapped = false;
            histogram.reset();
            submitLatency.reset();
            completionLatency.reset();
            for (Oper o : participating) {
                o.restart(stage);
                active.add(o);
            }
            runStage(stageStart);
            run.awaitStageEnd();
            participating.removeIf(o -> o.lastError != 0); // restart_oper: an oper that failed stays finished
            if (run.stopAfterStage) {
                break;
            }
        }
    }

    /** Cold cache for the next stage: fsync, then POSIX_FADV_DONTNEED over the whole file. */
    private void dropCache() throws IOException {
        for (Oper o : participating) {
            o.file.fsync().join();
            o.file.advise(0, 0, FileAdvice.DONTNEED);
        }
    }

    private void runStage(long stageStart) {
        int iterations = options.iterations();
        int passes = 0;
        while (!active.isEmpty() && (iterations < 0 || passes < iterations)) {
            run.checkAborted();
            if (options.stonewall() && run.threadsEnding.get() > 0) {
                // Another thread has finished the stage: stop this one, one oper per pass.
                stopOper(active.head);
            } else {
                runActiveList();
            }
            passes++;
        }
        if (!active.isEmpty()) {
            stageCapped = true; // -I: the rest of the stage is cut off as by stonewalling
            while (!active.isEmpty()) {
                stopOper(active.head);
            }
        }
        while (pending > 0) {
            reap(1);
        }
        // The original prints these before reaping the stage's last requests, whose completion
        // latencies then count in the next stage's numbers (and the last stage's are lost).
        if (options.submitLatency()) {
            printLatency("latency", submitLatency);
        }
        if (options.completionLatency()) {
            printLatency("completion latency", completionLatency);
        }
        List<Oper> done = finished.toList();
        for (Oper o : done) {
            if (o.numErrors > 0) {
                output.err(Lines.operErrors(o.numErrors, o.lastError));
            }
        }
        double mb = 0;
        long ios = 0;
        boolean stonewalled = stageCapped;
        for (Oper o : done) {
            if (options.fsync()) {
                fsync(o);
            }
            mb += o.mb(recordSize);
            ios += o.startedIos;
            stonewalled |= o.stonewalled;
            finished.remove(o);
        }
        double seconds = (System.nanoTime() - stageStart) / 1e9;
        if (mb != 0 && !opers.isEmpty()) {
            output.err(Lines.thread(index, stage, mb, seconds));
        }
        stageResult = new ThreadStageResult(index, ios, mb, seconds, stonewalled);
    }

    private void stopOper(Oper o) {
        o.stonewalled = true;
        active.remove(o);
        finished.add(o);
        if (o.numPending == 0) {
            printOper(o); // the original prints nothing for an oper stopped with nothing in flight
        }
    }

    /** The original's run_active_list: one pass of the submit loop. */
    private void runActiveList() {
        int numBuilt = 0;
        Oper o = active.head;
        while (o != null) {
            if (!runnable(o)) {
                o = o.next;
                if (o == active.head) {
                    break;
                }
                continue;
            }
            numBuilt += buildOper(o, ioIter);
            active.remove(o);
            built.add(o);
            o = active.head;
            if (numBuilt + ioIter > maxIoSubmit) {
                break;
            }
        }
        if (numBuilt > 0) {
            runBuilt();
        } else if (pending > 0) {
            reap(1); // nothing runnable yet: wait for a completion (io_uring may defer it until asked)
        } else if (!active.isEmpty()) {
            Thread.onSpinWait(); // waiting for another thread to extend the file
        }
        while (!built.isEmpty()) {
            Oper b = built.head;
            built.remove(b);
            if (b.startedIos == b.totalIos) {
                finished.add(b);
            } else {
                active.add(b);
            }
        }
    }

    /**
     * The extend ordering of the sequential write stage: a context that starts past the current end
     * of the file waits until earlier contexts have written up to its start, so no holes are made.
     * The original checks the read stage too, and spins forever when a read-only run meets a file
     * shorter than a context's start; reads past the end just return 0 here.
     */
    private boolean runnable(Oper o) {
        if (o.startedIos > 0 || o.start == 0 || o.stage != Stage.WRITE || !o.regularFile) {
            return true;
        }
        return fileSize(o) >= o.start;
    }

    /** Builds up to {@code n} requests of {@code o}; returns how many. */
    private int buildOper(Oper o, int n) {
        if (o.startedIos == 0) {
            o.startNanos = System.nanoTime();
        }
        if (o.startedIos + n > o.totalIos) {
            n = o.totalIos - o.startedIos;
        }
        for (int i = 0; i < n; i++) {
            int u = findUnit();
            if (u < 0) {
                return i; // cannot happen: a batch never needs more units than the pool has
            }
            long offset;
            if (o.stage.isRandom()) {
                offset = Layout.randomOffset(o.start, o.end, recordSize, options.alignment(), rand);
                o.lastOffset = offset;
            } else {
                offset = o.lastOffset;
                o.lastOffset += recordSize;
            }
            prepare(o, u, offset);
        }
        return n;
    }

    private int findUnit() {
        while (freeTop == 0) {
            if (readSomeEvents() <= 0 && freeTop == 0) {
                return -1;
            }
        }
        return free[--freeTop];
    }

    private void prepare(Oper o, int u, long offset) {
        unitOper[u] = o;
        unitOffset[u] = offset;
        unitStart[u] = UNSET;
        int seq = ++unitSeq[u];
        boolean ok = o.stage.isRead() ? ctx.prepareRead(o.file, unitBuffer[u], offset, u)
                : ctx.prepareWrite(o.file, unitBuffer[u], offset, u);
        if (!ok) {
            throw new IllegalStateException("the IoContext of thread " + index + " is full with " + pending
                    + " requests; its depth is " + ctx.depth());
        }
        o.numPending++;
        o.startedIos++;
        pending++;
        batchUnit[batchSize] = u;
        batchSeq[batchSize] = seq;
        batchSize++;
        startedBytes += recordSize;
    }

    /** The original's run_built: submits the batch, reaping and resubmitting on back-pressure. */
    private void runBuilt() {
        while (true) {
            long t0 = System.nanoTime();
            ctx.submit();
            long t1 = System.nanoTime();
            submitLatency.add(t1 - t0);
            markAccepted(t1);
            int left = ctx.unsubmitted();
            if (left == 0) {
                break;
            }
            if (pending - left == 0) {
                throw new IllegalStateException("io_submit took none of " + left + " requests, with none in flight");
            }
            readSomeEvents(); // the kernel is full: reap some, then submit the rest
        }
        batchSize = 0;
        batchMarked = 0;
    }

    /** Reaps min(io_iter, in flight) completions, waiting for them; 0 when nothing is in flight. */
    private int readSomeEvents() {
        int inFlight = pending - ctx.unsubmitted();
        int min = Math.min(ioIter, inFlight);
        return min <= 0 ? 0 : reap(min);
    }

    private int reap(int min) {
        callStart = System.nanoTime();
        reapNow = UNSET;
        int n = ctx.getEvents(min, poolSize, -1, TimeUnit.NANOSECONDS, handler);
        markAccepted(callStart); // io_uring submits what was prepared in a waiting getEvents
        return n;
    }

    /** Sets the start time of the requests of this batch the kernel has taken since the last call. */
    private void markAccepted(long time) {
        int accepted = batchSize - ctx.unsubmitted();
        for (; batchMarked < accepted; batchMarked++) {
            int u = batchUnit[batchMarked];
            if (unitSeq[u] == batchSeq[batchMarked] && unitStart[u] == UNSET) {
                unitStart[u] = time;
            }
        }
    }

    private void onCompletion(long cookie, long result) {
        if (cookie == FSYNC_COOKIE) {
            fsyncResult = result;
            fsyncDone = true;
            return;
        }
        int u = (int) cookie;
        long now = reapNow != UNSET ? reapNow : (reapNow = System.nanoTime());
        long start = unitStart[u] != UNSET ? unitStart[u] : callStart; // taken by this very getEvents
        long latency = Math.max(0, now - start);
        completionLatency.add(latency);
        histogram.recordValue(latency);
        Oper o = unitOper[u];
        free[freeTop++] = u;
        o.numPending--;
        pending--;
        if (result > 0) {
            stageBytesCompleted += result;
        }
        checkFinished(o, u, result);
        if (o.numPending == 0 && (o.startedIos == o.totalIos || o.stonewalled)) {
            printOper(o);
        }
    }

    /**
     * The original's check_finished_io, fixed: any failed request and any short write is an error;
     * a short read is one only when the file extends past it (not at the end of the file).
     */
    private void checkFinished(Oper o, int u, long result) {
        if (result != recordSize) {
            boolean read = o.stage.isRead();
            boolean error = result < 0 || !read || fileSize(o) > unitOffset[u] + result;
            if (error) {
                output.err(Lines.ioErr(result, Lines.strerror(result, IoContext.errorName(result)), read,
                        unitOffset[u], recordSize));
                o.lastError = result;
                o.numErrors++;
                stageErrors++;
                return;
            }
        }
        if (options.verify() && o.stage == Stage.READ && result > 0) {
            verify(o, u, (int) result);
        }
    }

    private void verify(Oper o, int u, int length) {
        MemorySegment buf = unitBuffer[u];
        if (MemorySegment.mismatch(buf, 0, length, verifyBuffer, 0, length) < 0) {
            return;
        }
        stageVerifyErrors++;
        StringBuilder diff = new StringBuilder();
        for (int i = 0; i < length; i++) {
            byte b = buf.get(JAVA_BYTE, i);
            if (b != VERIFY_BYTE) {
                Lines.verifyDiff(diff, i, b, VERIFY_BYTE);
            }
        }
        output.err(Lines.verifyError(o.path, unitOffset[u]));
        output.err(diff.toString());
        buf.fill(VERIFY_BYTE); // the buffer is written again by later stages: keep it right
    }

    private void printOper(Oper o) {
        double seconds = (System.nanoTime() - o.startNanos) / 1e9;
        output.err(Lines.oper(o.stage, o.path, o.mb(recordSize), seconds));
    }

    private void printLatency(String what, Latency lat) {
        output.err(Lines.latency(what, lat));
        output.err(Lines.latencyBuckets(lat));
    }

    /** fsync(2) of one oper's file through this thread's context; a failure counts as an error. */
    private void fsync(Oper o) {
        fsyncDone = false;
        if (!ctx.prepareFsync(o.file, false, FSYNC_COOKIE)) {
            throw new IllegalStateException("the IoContext of thread " + index + " has no room for an fsync");
        }
        while (ctx.submit() == 0 && ctx.unsubmitted() > 0) {
            Thread.onSpinWait();
        }
        while (!fsyncDone) {
            ctx.getEvents(1, 1, -1, TimeUnit.NANOSECONDS, handler);
        }
        if (fsyncResult < 0) {
            output.err(Lines.fsyncFailed(o.path, IoContext.errorName(fsyncResult)));
            o.lastError = fsyncResult;
            o.numErrors++;
            stageErrors++;
        }
    }

    private static long fileSize(Oper o) {
        try {
            return o.file.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
