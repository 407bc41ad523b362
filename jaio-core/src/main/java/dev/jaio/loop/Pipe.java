package dev.jaio.loop;

/**
 * A pipe whose both ends belong to one {@link EventLoop} (pipe2(2)); bytes written to {@link #sink()}
 * are read from {@link #source()}. On {@code uring} reads and writes are the ring's READ and WRITE
 * requests; on {@code aio-poll} they wait with IOCB_CMD_POLL and then read or write without
 * blocking (the paper's §9.2 "AIO on pipes"); on the epoll backends they wait in epoll.
 *
 * @param source the read end
 * @param sink the write end
 */
public record Pipe(StreamChannel source, StreamChannel sink) implements AutoCloseable {

    /** Closes both ends. */
    @Override
    public void close() {
        sink.close();
        source.close();
    }
}
