package dev.jaio.internal.jfr;

import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/** A write to a jaio file (pwrite, pwritev, append), as {@code jdk.FileWrite} is for the JDK's. */
@Name("dev.jaio.FileWrite")
@Label("jaio File Write")
@Threshold("20 ms")
public final class FileWriteEvent extends FileIoEvent {
}
