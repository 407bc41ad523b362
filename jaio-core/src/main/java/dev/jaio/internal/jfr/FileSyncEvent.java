package dev.jaio.internal.jfr;

import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * An fsync or fdatasync of a jaio file ({@link FileIoEvent#flags} 1 for fdatasync, 0 for fsync),
 * as {@code jdk.FileForce} is for the JDK's.
 */
@Name("dev.jaio.FileSync")
@Label("jaio File Sync")
@Threshold("20 ms")
public final class FileSyncEvent extends FileIoEvent {
}
