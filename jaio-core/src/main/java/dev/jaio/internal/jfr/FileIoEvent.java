package dev.jaio.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.StackTrace;

/**
 * What jaio's file I/O events share: one request, from its submission to its completion, on the
 * thread that completed it (an engine's completion thread, or the caller's for a read done on the
 * calling thread). No stack trace: the completing thread's stack says nothing of the caller.
 */
@Category({"jaio", "File I/O"})
@StackTrace(false)
public abstract class FileIoEvent extends Event {

    @Label("Path")
    @Description("The file, as it was opened")
    public String path;

    @Label("Offset")
    @Description("File offset of the request, bytes; -1 for a sync")
    public long offset;

    @Label("Bytes Requested")
    @DataAmount
    public long bytesRequested;

    @Label("Bytes")
    @Description("Bytes read or written; -1 if the request failed")
    @DataAmount
    public long bytes;

    @Label("Engine")
    @Description("uring, aio or threads")
    public String engine;

    @Label("Mode")
    @Description("direct (O_DIRECT), buffered (the kernel's page cache) or cached (jaio's page cache)")
    public String mode;

    @Label("Flags")
    @Description("The request's IoFlags (RWF_* bits: HIPRI 1, DSYNC 2, SYNC 4, NOWAIT 8, APPEND 16)")
    public int flags;

    @Label("Error")
    @Description("Why the request failed (the operation, path, offset and errno); null if it did not")
    public String error;
}
