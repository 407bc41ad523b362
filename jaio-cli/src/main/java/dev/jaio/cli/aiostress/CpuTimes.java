package dev.jaio.cli.aiostress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * User and system CPU time of this process from /proc/self/stat (fields 14 utime and 15 stime, in
 * clock ticks of USER_HZ, which Linux fixes at 100 for /proc: 10 ms resolution). It covers every
 * thread of the JVM, including jaio's completion and worker threads, and the kernel work done on
 * their behalf (io_uring's inline submissions; not io-wq or SQPOLL kernel threads).
 *
 * @param userSeconds utime
 * @param systemSeconds stime
 */
public record CpuTimes(double userSeconds, double systemSeconds) {

    /** Where the numbers come from, for reports. */
    public static final String SOURCE = "/proc/self/stat utime and stime (clock ticks of 1/100 s)";

    private static final double TICKS_PER_SECOND = 100;

    /** The process's CPU times now; zeros when /proc cannot be read. */
    public static CpuTimes now() {
        try {
            return parse(Files.readString(Path.of("/proc/self/stat")));
        } catch (IOException | RuntimeException e) {
            return new CpuTimes(0, 0);
        }
    }

    /** Parses a /proc/PID/stat line. */
    static CpuTimes parse(String stat) {
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
        // f[0] is field 3 (state), so field 14 (utime) is f[11] and field 15 (stime) f[12].
        return new CpuTimes(Long.parseLong(f[11]) / TICKS_PER_SECOND, Long.parseLong(f[12]) / TICKS_PER_SECOND);
    }

    /** This minus {@code earlier}. */
    public CpuTimes minus(CpuTimes earlier) {
        return new CpuTimes(userSeconds - earlier.userSeconds, systemSeconds - earlier.systemSeconds);
    }
}
