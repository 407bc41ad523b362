package dev.jaio.internal.jfr;

import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/** A read of a jaio file (pread, preadv), as {@code jdk.FileRead} is for the JDK's. */
@Name("dev.jaio.FileRead")
@Label("jaio File Read")
@Threshold("20 ms")
public final class FileReadEvent extends FileIoEvent {
}
