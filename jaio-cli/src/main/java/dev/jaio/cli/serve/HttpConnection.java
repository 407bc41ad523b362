package dev.jaio.cli.serve;

import dev.jaio.AsyncFile;
import dev.jaio.IoBuffer;
import dev.jaio.loop.IoHandler;
import dev.jaio.loop.ReceiveHandler;
import dev.jaio.loop.StreamChannel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One client connection of {@code jaio serve}, on its loop's thread: read a request head, answer
 * it (a file, a range of it, 304, or an error), and on keep-alive take the next request (pipelined
 * ones already read are parsed first). A response body is read from the file and sent in
 * {@link ServeConfig#chunkBytes()} steps through two slots, the next chunk read while the last is
 * sent (at most one file read and one socket write in flight), so a slow client holds two chunks
 * of memory, never the file.
 *
 * <p>Memory: the connection's two buffers are {@link IoBuffer}s: a request it has in flight pins
 * them, so closing them when the connection ends frees them only after the kernel is done.
 */
final class HttpConnection implements IoHandler<Object>, ReceiveHandler<Object> {

    /** Room before the body in the out buffer: the response head is written just before the body. */
    static final int HEAD_ROOM = 4096;
    /** The largest request head (431 beyond). */
    private static final int IN_BYTES = 16 * 1024;
    /**
     * With {@link ServeConfig#receive()}: the loop's receive buffer size, the most one chunk
     * brings. The in buffer has this much room beyond a largest head, and the receive stops while
     * less than this is free (pipelined requests waiting), so a chunk always fits whole.
     */
    static final int RECEIVE_CHUNK = 4096;
    /** With {@link ServeConfig#receive()}: receive buffers per loop. */
    static final int RECEIVE_BUFFERS = 1024;
    /** Each body slot's size until a connection serves a larger body. */
    private static final int SMALL_CHUNK = 16 * 1024;

    private static final Object READ = new Object();
    private static final Object WRITE = new Object();
    private static final Object DRAIN = new Object();

    /** What the connection waits for. */
    enum State {
        /** Reading a request head (or idle between keep-alive requests). */
        READING,
        /** Sending a response (reading its file, or writing). */
        RESPONDING,
        /** Sent a final error: draining the client's input until it closes (lingering close). */
        DRAINING,
        CLOSED
    }

    private final LoopServer server;
    private final StreamChannel ch;
    private final IoBuffer inBuffer;
    private final MemorySegment in;
    private final ByteBuffer inView;
    private IoBuffer outBuffer;
    private MemorySegment out;
    private ByteBuffer outView;
    private final HttpRequestParser parser = new HttpRequestParser();
    State state = State.READING;
    /** When the current wait began or the last progress was made (System.nanoTime), for the timeouts. */
    long since;
    /** When the first byte of the request head being read arrived: the header timeout counts from it. */
    long headStartedAt;

    // The response in progress.
    private boolean keepAlive;
    private OpenFiles.Entry file;
    private boolean headPending;
    private int headLength;
    private int status;
    /**
     * A file read of this connection is in flight: the file stays taken until it ends, so that the
     * file's last user, who closes it, never closes a file with a read in flight (a close from
     * another loop's thread would wait for that read, and two loops could wait for each other).
     */
    private boolean readInFlight;
    /**
     * A read of the socket (READ or DRAIN) is in flight: a channel takes one read at a time, so a
     * final error sent while the client's next bytes are awaited (408) lets that read end as the
     * drain's first instead of starting another (ReadPendingException).
     */
    private boolean socketReadPending;
    /** Requests arrive through one continuing receive ({@link ServeConfig#receive()}), not a read per head. */
    private final boolean receiveMode;
    /** Receive mode: the receive is on (chunks come to {@link #received}). */
    private boolean receiving;
    /** Receive mode: in {@link #received}, whose return value says whether the receive goes on. */
    private boolean inReceived;
    /** Receive mode: the client ended its stream; the connection closes once what it sent is answered. */
    private boolean peerEnded;

    HttpConnection(LoopServer server, StreamChannel ch) {
        this.server = server;
        this.ch = ch;
        this.receiveMode = server.config().receive();
        this.inBuffer = IoBuffer.allocate(receiveMode ? IN_BYTES + RECEIVE_CHUNK : IN_BYTES, 64);
        this.in = inBuffer.segment();
        this.inView = in.asByteBuffer();
        this.inView.limit(0);
        this.chunk = Math.min(SMALL_CHUNK, server.config().chunkBytes());
        this.outBuffer = IoBuffer.allocate(HEAD_ROOM + 2L * chunk, 4096);
        this.out = outBuffer.segment();
        this.outView = out.asByteBuffer();
        this.since = System.nanoTime();
    }

    void start() {
        try {
            readMore();
        } catch (RuntimeException e) {
            internalError(e);
        }
    }

    /** Whether a request head has begun arriving (a timeout then answers 408). */
    boolean headInProgress() {
        return state == State.READING && (parser.inProgress() || inView.hasRemaining());
    }

    // ---- requests ----

    private void readMore() {
        // Unparsed bytes move to the front; the read fills the rest.
        if (inView.position() > 0) {
            inView.compact().flip();
        }
        int have = inView.limit();
        if (have >= IN_BYTES) {
            sendError(431, false);
            return;
        }
        if (receiveMode) {
            if (peerEnded) {
                close();
                return;
            }
            state = State.READING;
            since = System.nanoTime();
            if (!receiving && !inReceived) {
                receiving = true;
                ch.receive(null, this);
            } // else the receive is on, or received() turns it on as it returns
            return;
        }
        state = State.READING;
        since = System.nanoTime();
        socketReadPending = true;
        ch.read(have == 0 ? in : in.asSlice(have), READ, this);
    }

    private void onRead(long n) {
        if (n < 0) {
            close();
            return;
        }
        if (!headInProgress()) {
            headStartedAt = System.nanoTime(); // a new head begins: a byte a second must not keep it alive
        }
        inView.limit(inView.limit() + (int) n);
        since = System.nanoTime();
        parseNext();
    }

    /** Parses what is buffered: a whole head is answered, a partial one read further. */
    private void parseNext() {
        if (!inView.hasRemaining()) {
            inView.clear().limit(0);
            readMore();
            return;
        }
        HttpRequestParser.Result r = parser.parse(inView);
        switch (r) {
            case HttpRequestParser.Done d -> respond(d.request());
            case HttpRequestParser.NeedMore m -> readMore();
            case HttpRequestParser.Rejected x -> sendError(x.status(), false);
        }
    }

    private void respond(HttpRequest req) {
        state = State.RESPONDING;
        since = System.nanoTime();
        keepAlive = req.keepAlive();
        String method = req.method();
        boolean head = method.equals("HEAD");
        if (!head && !method.equals("GET")) {
            sendError(405, keepAlive);
            return;
        }
        OpenFiles.Entry e = server.files().tryAcquire(req.path(), since);
        if (e == null) {
            java.util.concurrent.Executor opener = server.opener();
            if (opener != null) {
                openOffLoop(opener, req);
                return;
            }
            try {
                e = server.files().acquire(req.path(), since);
            } catch (OpenFiles.Refusal x) {
                refused(req, x);
                return;
            }
        }
        respondWith(req, e);
    }

    private void refused(HttpRequest req, OpenFiles.Refusal x) {
        if (x.status >= 500) {
            server.log(req.method() + " " + req.target() + ": " + x.status + ": " + x.getMessage());
        }
        sendError(x.status, keepAlive, !req.method().equals("HEAD"));
    }

    /**
     * A file the open-file cache does not hold (or must check again) is resolved, opened and
     * stat'ed on the server's opener threads, never on the loop: for a file whose directory entry
     * and inode are not in memory those calls wait for the disk, and the loop's other connections
     * would wait with them. The answer comes back to this connection's loop.
     */
    private void openOffLoop(java.util.concurrent.Executor opener, HttpRequest req) {
        OpenFiles files = server.files();
        String path = req.path();
        long at = since;
        dev.jaio.loop.EventLoop loop = server.loop();
        try {
            opener.execute(() -> {
                OpenFiles.Entry got = null;
                OpenFiles.Refusal refusal = null;
                RuntimeException bug = null;
                try {
                    got = files.acquire(path, at);
                } catch (OpenFiles.Refusal x) {
                    refusal = x;
                } catch (RuntimeException x) {
                    bug = x;
                }
                OpenFiles.Entry e = got;
                OpenFiles.Refusal r = refusal;
                RuntimeException b = bug;
                try {
                    loop.execute(() -> opened(req, e, r, b));
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    if (e != null) {
                        files.release(e); // the loop is closing, and with it this connection
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            sendError(503, false, !req.method().equals("HEAD")); // the server is stopping
        }
    }

    /** On the loop: the open of {@link #openOffLoop} ended. */
    private void opened(HttpRequest req, OpenFiles.Entry e, OpenFiles.Refusal refusal, RuntimeException bug) {
        if (state != State.RESPONDING) {
            // Closed meanwhile (a timeout, the peer, the server stopping): the file is not ours to keep.
            if (e != null) {
                server.files().release(e);
            }
            if (bug != null) {
                server.log("open of " + req.path() + " failed after its connection closed: " + bug);
            }
            return;
        }
        try {
            if (bug != null) {
                throw bug;
            }
            if (refusal != null) {
                refused(req, refusal);
                return;
            }
            respondWith(req, e);
        } catch (RuntimeException x) {
            internalError(x);
        }
    }

    /** Answers {@code req} from the open file {@code e}, which it took for this response. */
    private void respondWith(HttpRequest req, OpenFiles.Entry e) {
        boolean head = req.method().equals("HEAD");
        String date = server.date();
        ResponseHead h = new ResponseHead(headArea());
        // RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since.
        String inm = req.header("If-None-Match");
        String ims = req.header("If-Modified-Since");
        if (inm != null ? Validators.noneMatch(inm, e.etag) : ims != null && HttpDates.notModified(e.lastModified, ims)) {
            server.files().release(e);
            h.status(304).date(date).server().lastModified(e.lastModified).header("ETag", e.etag).connection(keepAlive).end();
            status = 304;
            sendHeadOnly();
            return;
        }
        String rangeHeader = req.header("Range");
        String ifRange = req.header("If-Range");
        if (rangeHeader != null && ifRange != null && !Validators.ifRangeMatches(ifRange, e.etag, e.lastModified)) {
            rangeHeader = null; // the client's copy is of another version: send the whole file (§13.1.5)
        }
        ByteRange range = ByteRange.parse(rangeHeader, e.size);
        long start = 0;
        long count = e.size;
        switch (range) {
            case ByteRange.Unsatisfiable u -> {
                server.files().release(e);
                h.rangeNotSatisfiable(u, date, keepAlive, !head);
                status = 416;
                sendHeadOnly();
                return;
            }
            case ByteRange.Partial p -> {
                start = p.start();
                count = p.count();
                h.status(206).date(date).server().contentType(e.contentType).contentLength(count).contentRange(p);
                status = 206;
            }
            case ByteRange.Full f -> {
                h.status(200).date(date).server().contentType(e.contentType).contentLength(count);
                status = 200;
            }
        }
        h.lastModified(e.lastModified).header("ETag", e.etag).acceptRanges().connection(keepAlive).end();
        if (head || count == 0) {
            server.files().release(e);
            sendHeadOnly();
            return;
        }
        file = e;
        headPending = true;
        headLength = h.buffer().position();
        if (server.config().io() == ServeConfig.Io.SENDFILE && count > 2L * SMALL_CHUNK) {
            // The head and the body by sendfile(2) (the head held back until the body's bytes
            // follow it), or, if the body is not all in the page cache, nothing: both are then
            // read and written as in the other modes (the head still pending).
            sendfileStart = start;
            sendfileCount = count;
            ch.sendFile(out.asSlice(0, headLength), file.file, start, count, SENDFILE, this);
            return;
        }
        startBody(start, count);
    }

    /** A view of the head area; the head is moved to end right before the body once its length is known. */
    private ByteBuffer headArea() {
        return outView.clear().limit(HEAD_ROOM);
    }

    // ---- response body ----

    private void startBody(long start, long count) {
        ensureOutCapacity(count);
        readPos = start;
        toRead = count;
        toSend = count;
        nextReadSlot = 0;
        nextSendSlot = 0;
        slotFull[0] = false;
        slotFull[1] = false;
        startRead();
    }

    /**
     * A connection starts with a small out buffer (most responses are small) and moves to one of
     * two {@link ServeConfig#chunkBytes()} slots for its first larger body; the old buffer is freed
     * once no request pins it.
     */
    private void ensureOutCapacity(long count) {
        int want = server.config().chunkBytes();
        if (chunk == want || count <= 2L * chunk) {
            return;
        }
        IoBuffer old = outBuffer;
        outBuffer = IoBuffer.allocate(HEAD_ROOM + 2L * want, 4096);
        MemorySegment fresh = outBuffer.segment();
        MemorySegment.copy(out, 0, fresh, 0, HEAD_ROOM); // the response head written so far
        out = fresh;
        outView = out.asByteBuffer();
        chunk = want;
        old.close();
    }

    private long slotBase(int slot) {
        return HEAD_ROOM + (long) slot * chunk;
    }

    /**
     * Reads the next chunk of the body into the free slot, while the other slot's chunk may be
     * being sent: the disk and the socket work at the same time (double buffering).
     */
    private void startRead() {
        int slot = nextReadSlot;
        if (state != State.RESPONDING || file == null || readInFlight || toRead == 0 || slotFull[slot]) {
            return; // (a send that failed within its call closed the connection and let go of the file)
        }
        int align = server.readAlignment();
        long skew = readPos & (align - 1);
        long want = Math.min(toRead + skew, chunk);
        long length = align == 1 ? want : (want + align - 1) & -align;
        long at = readPos - skew;
        readInFlight = true;
        MemorySegment dst = out.asSlice(slotBase(slot), length);
        long now;
        try {
            // A hit of jaio's cache (or, --io=buffered, of the kernel's) is copied here, with no
            // request and nothing allocated; anything else, bad state included, is the read's.
            now = file.file.tryRead(dst, at);
        } catch (IllegalStateException | IllegalArgumentException e) {
            now = AsyncFile.WOULD_BLOCK; // the read meets the same and reports it, naming the request
        }
        if (now != AsyncFile.WOULD_BLOCK) {
            chunkRead(slot, now, null, (int) skew, at);
            return;
        }
        file.file.read(dst, at).whenComplete((n, failure) -> {
            long count = n == null ? -1 : n;
            if (!server.loop().inLoop()) {
                // A miss completed on the file's home loop: continue on this connection's own.
                try {
                    server.loop().execute(() -> chunkRead(slot, count, failure, (int) skew, at));
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    // This connection's loop is closing (it closes the connection): just let go of the file.
                    readInFlight = false;
                    releaseFile();
                }
                return;
            }
            chunkRead(slot, count, failure, (int) skew, at);
        });
    }

    /** A chunk's read ended (on this connection's loop); an exception of it would vanish in the future's callback. */
    private void chunkRead(int slot, long n, Throwable failure, int skew, long at) {
        try {
            chunkReadOnLoop(slot, n, failure, skew, at);
        } catch (RuntimeException e) {
            internalError(e);
        }
    }

    /** {@code n}: the read's count, or -1 with {@code failure} (or without, if the read gave no count). */
    private void chunkReadOnLoop(int slot, long n, Throwable failure, int skew, long at) {
        readInFlight = false;
        if (state == State.CLOSED) {
            // The connection closed meanwhile (its buffer was pinned until now): let go of the file.
            releaseFile();
            return;
        }
        if (failure != null || n <= skew) {
            server.log("read of " + file.file.path() + " at " + at + " failed or came up short"
                    + (failure != null ? ": " + failure.getMessage() : ": " + n + " bytes"));
            abort();
            return;
        }
        int body = (int) Math.min(n - skew, toRead);
        readPos += body;
        toRead -= body;
        slotSkew[slot] = skew;
        slotBody[slot] = body;
        slotFull[slot] = true;
        nextReadSlot = slot ^ 1;
        trySend();
        startRead();
    }

    /** Sends the next filled slot unless a send is in flight. */
    private void trySend() {
        int slot = nextSendSlot;
        if (bodyWriteInFlight || !slotFull[slot]) {
            return;
        }
        bodyWriteInFlight = true;
        int skew = slotSkew[slot];
        int body = slotBody[slot];
        long base = slotBase(slot);
        ServeStats.add(server.stats().bytesSent, body);
        if (headPending) {
            headPending = false;
            ServeStats.add(server.stats().bytesSent, headLength);
            if (skew == 0) {
                // The head goes right before the first chunk (slot 0): one write for both.
                int headStart = HEAD_ROOM - headLength;
                MemorySegment.copy(out, 0, out, headStart, headLength);
                ch.write(out.asSlice(headStart, headLength + body), WRITE_BODY, this);
            } else {
                // An O_DIRECT range that starts inside a block: the head goes alone first.
                ch.write(out.asSlice(0, headLength), WRITE_HEAD_THEN_BODY, this);
            }
            return;
        }
        ch.write(out.asSlice(base + skew, body), WRITE_BODY, this);
    }

    private void bodyWritten() {
        since = System.nanoTime();
        bodyWriteInFlight = false;
        int slot = nextSendSlot;
        slotFull[slot] = false;
        toSend -= slotBody[slot];
        nextSendSlot = slot ^ 1;
        if (toSend == 0) {
            finishResponse();
            return;
        }
        trySend();
        startRead();
    }

    private static final Object WRITE_BODY = new Object();
    private static final Object SENDFILE = new Object();
    private long sendfileStart;
    private long sendfileCount;
    private static final Object WRITE_HEAD_THEN_BODY = new Object();
    private long readPos;
    private long toRead;
    private long toSend;
    private final int[] slotSkew = new int[2];
    private final int[] slotBody = new int[2];
    private final boolean[] slotFull = new boolean[2];
    private int nextReadSlot;
    private int nextSendSlot;
    private boolean bodyWriteInFlight;
    /** The size of each of the out buffer's two body slots. */
    private int chunk;

    private void onWritten() {
        since = System.nanoTime();
        finishResponse();
    }

    private void sendHeadOnly() {
        ByteBuffer b = outView;
        int len = b.position();
        ServeStats.add(server.stats().bytesSent, len);
        ch.write(out.asSlice(0, len), WRITE, this);
    }

    private void releaseFile() {
        if (file != null) {
            server.files().release(file);
            file = null;
        }
    }

    private void finishResponse() {
        server.stats().status(status);
        releaseFile();
        if (!keepAlive) {
            lingerAndClose();
            return;
        }
        parser.reset();
        state = State.READING;
        since = System.nanoTime();
        headStartedAt = since; // the next head starts now (pipelined bytes may be part of it already)
        parseNext();
    }

    // ---- errors ----

    private void sendError(int code, boolean keep) {
        sendError(code, keep, true);
    }

    private void sendError(int code, boolean keep, boolean withBody) {
        state = State.RESPONDING;
        keepAlive = keep;
        status = code;
        new ResponseHead(outView.clear()).error(code, server.date(), keep, withBody);
        sendHeadOnly();
    }

    /** A final response went out: stop sending, read what the client still sends, then close. */
    private void lingerAndClose() {
        try {
            ch.shutdownOutput();
        } catch (IOException e) {
            close();
            return;
        }
        state = State.DRAINING;
        since = System.nanoTime();
        if (receiveMode) {
            if (!receiving && !inReceived) {
                receiving = true;
                ch.receive(null, this); // drains: received() drops what comes
            }
            return;
        }
        if (!socketReadPending) {
            socketReadPending = true;
            ch.read(in, DRAIN, this);
        } // else the read in flight ends as a drain read (dispatch)
    }

    /** Timed out: {@code code} 408 for a head that never finished, 0 to close silently. */
    void timeOut(int code) {
        ServeStats.add(server.stats().timedOut, 1);
        try {
            if (code != 0 && state == State.READING) {
                sendError(code, false);
            } else {
                close();
            }
        } catch (RuntimeException e) {
            internalError(e); // the sweep goes on with the other connections
        }
    }

    private void abort() {
        ServeStats.add(server.stats().aborted, 1);
        close();
    }

    // ---- completions ----

    @Override
    public void completed(long result, Object attachment) {
        if (state == State.CLOSED) {
            return;
        }
        try {
            dispatch(result, attachment);
        } catch (RuntimeException e) {
            internalError(e);
        }
    }

    /**
     * A bug of the server's own met while it answered: the connection is closed (its client sees
     * the response cut short, as nginx's do after an internal error mid-response), the rest of the
     * loop's connections go on, and the error is logged with where it was thrown. Without this the
     * exception would reach the loop's uncaught-exception handler and leave the connection with no
     * request in flight: hung until the client gives up.
     */
    private void internalError(RuntimeException e) {
        StackTraceElement[] at = e.getStackTrace();
        server.log("internal error, connection closed: " + e + (at.length > 0 ? " at " + at[0] : ""));
        ServeStats.add(server.stats().aborted, 1);
        close();
    }

    private void dispatch(long result, Object attachment) {
        if (attachment == READ || attachment == DRAIN) {
            socketReadPending = false;
            if (state == State.DRAINING) {
                attachment = DRAIN; // a head's read that a final error overtook: now it drains
            } else if (state != State.READING) {
                return; // a final error is being sent (408): its end starts the drain
            }
        }
        if (attachment == READ) {
            onRead(result);
        } else if (attachment == WRITE) {
            onWritten();
        } else if (attachment == WRITE_BODY) {
            bodyWritten();
        } else if (attachment == SENDFILE) {
            since = System.nanoTime();
            if (result == headLength + sendfileCount) {
                headPending = false;
                ServeStats.add(server.stats().bytesSent, result);
                finishResponse();
            } else {
                startBody(sendfileStart, sendfileCount); // declined, nothing sent: the head and a read body
            }
        } else if (attachment == WRITE_HEAD_THEN_BODY) {
            since = System.nanoTime();
            int slot = nextSendSlot;
            ch.write(out.asSlice(slotBase(slot) + slotSkew[slot], slotBody[slot]), WRITE_BODY, this);
        } else if (attachment == DRAIN) {
            if (result < 0) {
                close();
            } else {
                socketReadPending = true;
                ch.read(in, DRAIN, this);
            }
        }
    }

    /**
     * Receive mode: a chunk of the client's bytes, appended to the in buffer and parsed when a
     * head is awaited (pipelined bytes that come during a response wait for its end). The receive
     * goes on while a whole chunk still fits; the next {@link #readMore} turns it on again.
     */
    @Override
    public boolean received(MemorySegment buffer, int count, Object attachment) {
        if (state == State.CLOSED) {
            return receiving = false;
        }
        if (state == State.DRAINING) {
            return true; // a final response went out: what the client still sends is dropped
        }
        inReceived = true;
        try {
            if (inView.position() > 0) {
                inView.compact().flip();
            }
            boolean newHead = state == State.READING && !headInProgress();
            int have = inView.limit();
            MemorySegment.copy(buffer, 0, in, have, count); // fits: the receive stops while a chunk may not
            inView.limit(have + count);
            since = System.nanoTime();
            if (state == State.READING) {
                if (newHead) {
                    headStartedAt = since; // a new head begins: a byte a second must not keep it alive
                }
                parseNext();
            }
        } catch (RuntimeException e) {
            internalError(e);
        } finally {
            inReceived = false;
        }
        if (state == State.CLOSED) {
            return receiving = false;
        }
        if (state == State.DRAINING) {
            return receiving = true;
        }
        return receiving = inView.capacity() - inView.remaining() >= RECEIVE_CHUNK;
    }

    /** Receive mode: the client ended its stream (it may still read the responses to what it sent). */
    @Override
    public void ended(Object attachment) {
        receiving = false;
        peerEnded = true;
        if (state == State.READING || state == State.DRAINING) {
            close();
        } // else the response in progress ends, then the pipelined requests' ones, then readMore closes
    }

    @Override
    public void failed(IOException cause, Object attachment) {
        receiving = false;
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.RESPONDING) {
            ServeStats.add(server.stats().aborted, 1); // the client went away mid-response
        }
        close();
    }

    void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (!readInFlight) {
            releaseFile();
        }
        ch.close();
        // Pinned by any request still in flight (a file read, a uring recv): freed when it ends.
        inBuffer.close();
        outBuffer.close();
        server.connectionClosed(this);
    }
}
