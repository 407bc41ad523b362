package dev.jaio.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** An engine was opened: which one, at what depth, and why (auto's choice and what it skipped). */
@Name("dev.jaio.EngineOpen")
@Label("jaio Engine Open")
@Category({"jaio", "Engine"})
@StackTrace(true)
public final class EngineOpenEvent extends Event {

    @Label("Engine")
    public String engine;

    @Label("Requested")
    @Description("The engine asked for: auto, uring, aio or threads")
    public String requested;

    @Label("Queue Depth")
    public int depth;

    @Label("Reason")
    @Description("Why auto picked it, naming every engine it skipped and why; null for a named engine")
    public String reason;
}
