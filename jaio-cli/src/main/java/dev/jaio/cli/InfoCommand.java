package dev.jaio.cli;

import dev.jaio.DirectIoAlignment;
import dev.jaio.EngineStatus;
import dev.jaio.FileSystemInfo;
import dev.jaio.IoEngine;
import dev.jaio.loop.EventLoop;
import dev.jaio.SystemInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jaio info [--json] [PATH...]}: what jaio finds on this machine (versions, engines and why,
 * AIO and io_uring limits) and, for each path, its filesystem and O_DIRECT alignment.
 */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        versionProvider = JaioCommand.Version.class,
        header = "Show engines, limits and O_DIRECT alignment on this machine.",
        description = {
            "Shows what jaio finds on this machine: jaio, Java and kernel versions; which I/O engines are"
                    + " available (and why not), and which one 'auto' picks; which event loop backends (the"
                    + " paper's section 9: uring, aio-poll, epoll+aio, threads) set up, and which 'auto' picks;"
                    + " the AIO and io_uring limits;"
                    + " and, for each PATH, its filesystem and O_DIRECT alignment.",
            "",
            "Errors (such as a missing PATH) print one line to stderr and exit with status 1.",
        })
public final class InfoCommand implements Callable<Integer> {

    @Parameters(
            paramLabel = "PATH",
            arity = "0..*",
            description = "Files or directories to describe (default: the current directory).")
    List<String> paths = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** Creates the command. */
    public InfoCommand() {
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Report report;
        try {
            report = gather();
        } catch (CliException e) {
            err.println("jaio info: " + e.getMessage());
            err.flush();
            return 1;
        } catch (RuntimeException e) {
            err.println("jaio info: failed: " + describe(e));
            err.flush();
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? Json.write(report.toJson()) : report.toText());
        out.flush();
        return CommandLine.ExitCode.OK;
    }

    /** Collects everything first, so that an error prints one line and no partial report. */
    private Report gather() throws CliException {
        List<Path> targets = new ArrayList<>();
        List<String> names = paths.isEmpty() ? List.of(".") : paths;
        for (String name : names) {
            Path path;
            try {
                path = Path.of(name).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw new CliException(name + ": invalid path (" + e.getReason() + ")");
            }
            if (!Files.exists(path)) {
                throw new CliException(name + ": no such file or directory");
            }
            targets.add(path);
        }
        List<FileSystemInfo> fileSystems = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            try {
                fileSystems.add(SystemInfo.fileSystem(targets.get(i)));
            } catch (IOException e) {
                throw new CliException(names.get(i) + ": " + describe(e));
            }
        }
        return new Report(
                SystemInfo.jaioVersion(),
                Runtime.version().toString(),
                System.getProperty("java.vendor", "unknown"),
                System.getProperty("java.home", "unknown"),
                SystemInfo.kernelRelease(),
                SystemInfo.architecture(),
                IoEngine.probeAll(),
                IoEngine.autoChoice(),
                EventLoop.probeAll(),
                EventLoop.autoChoice(),
                SystemInfo.aioMaxNr(),
                SystemInfo.aioNr(),
                SystemInfo.ioUringDisabled(),
                fileSystems);
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** What /proc/sys/kernel/io_uring_disabled means. */
    static String ioUringDisabledMeaning(OptionalInt value) {
        if (value.isEmpty()) {
            return "unknown: /proc/sys/kernel/io_uring_disabled is missing (kernels before 6.6 have no such switch)";
        }
        return switch (value.getAsInt()) {
            case 0 -> "enabled for all processes";
            case 1 -> "only for privileged processes (CAP_SYS_ADMIN) and members of kernel.io_uring_group";
            case 2 -> "disabled for all processes";
            default -> "unknown value";
        };
    }

    /** An expected failure, reported as one line. */
    private static final class CliException extends Exception {
        private static final long serialVersionUID = 1L;

        CliException(String message) {
            super(message);
        }
    }

    /** Everything {@code info} reports, gathered before printing. */
    record Report(
            String jaioVersion,
            String javaVersion,
            String javaVendor,
            String javaHome,
            String kernelRelease,
            String architecture,
            List<EngineStatus> engines,
            EngineStatus auto,
            List<EngineStatus> loops,
            EngineStatus loopAuto,
            OptionalLong aioMaxNr,
            OptionalLong aioNr,
            OptionalInt ioUringDisabled,
            List<FileSystemInfo> fileSystems) {

        String toText() {
            Table t = new Table();
            t.row(0, "jaio", jaioVersion);
            t.row(0, "java", javaVersion + " (" + javaVendor + ", " + javaHome + ")");
            t.row(0, "kernel", kernelRelease + " " + architecture);

            t.heading("engines");
            int statusWidth = "unavailable".length();
            for (EngineStatus e : engines) {
                String status = e.available() ? "available" : "unavailable";
                t.row(1, e.name(), pad(status, statusWidth) + "  " + nullToEmpty(e.detail()));
            }
            t.row(1, "auto", pad("-> " + (auto.available() ? auto.name() : "none"), statusWidth) + "  "
                    + nullToEmpty(auto.detail()));

            t.heading("event loop backends (jaio serve --loop, dev.jaio.loop.EventLoop)");
            for (EngineStatus e : loops) {
                String status = e.available() ? "available" : "unavailable";
                t.row(1, e.name(), pad(status, statusWidth) + "  " + nullToEmpty(e.detail()));
            }
            t.row(1, "auto", pad("-> " + (loopAuto.available() ? loopAuto.name() : "none"), statusWidth) + "  "
                    + nullToEmpty(loopAuto.detail()));

            t.heading("limits");
            t.row(1, "aio-max-nr", text(aioMaxNr, "/proc/sys/fs/aio-max-nr"));
            t.row(1, "aio-nr", text(aioNr, "/proc/sys/fs/aio-nr"));
            t.row(1, "io_uring_disabled", (ioUringDisabled.isPresent()
                    ? ioUringDisabled.getAsInt() + " (" + ioUringDisabledMeaning(ioUringDisabled) + ")"
                    : ioUringDisabledMeaning(ioUringDisabled)));

            for (FileSystemInfo fs : fileSystems) {
                t.heading("path " + fs.path());
                t.row(1, "filesystem", fs.type());
                t.row(1, "mount point", fs.mountPoint());
                t.row(1, "device", fs.device());
                t.row(1, "block size", fs.blockSize() + " bytes");
                t.row(1, "O_DIRECT", directIoText(fs.directIo()));
            }
            return t.toString();
        }

        Map<String, Object> toJson() {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("jaioVersion", jaioVersion);
            Map<String, Object> java = new LinkedHashMap<>();
            java.put("version", javaVersion);
            java.put("vendor", javaVendor);
            java.put("home", javaHome);
            root.put("java", java);
            Map<String, Object> kernel = new LinkedHashMap<>();
            kernel.put("release", kernelRelease);
            kernel.put("architecture", architecture);
            root.put("kernel", kernel);
            List<Object> engineList = new ArrayList<>();
            for (EngineStatus e : engines) {
                engineList.add(engineJson(e));
            }
            root.put("engines", engineList);
            root.put("auto", engineJson(auto));
            List<Object> loopList = new ArrayList<>();
            for (EngineStatus e : loops) {
                loopList.add(engineJson(e));
            }
            root.put("loopBackends", loopList);
            root.put("loopAuto", engineJson(loopAuto));
            Map<String, Object> aio = new LinkedHashMap<>();
            aio.put("maxNr", aioMaxNr.isPresent() ? aioMaxNr.getAsLong() : null);
            aio.put("nr", aioNr.isPresent() ? aioNr.getAsLong() : null);
            root.put("aio", aio);
            Map<String, Object> ioUring = new LinkedHashMap<>();
            ioUring.put("disabled", ioUringDisabled.isPresent() ? ioUringDisabled.getAsInt() : null);
            ioUring.put("meaning", ioUringDisabledMeaning(ioUringDisabled));
            root.put("ioUring", ioUring);
            List<Object> pathList = new ArrayList<>();
            for (FileSystemInfo fs : fileSystems) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("path", String.valueOf(fs.path()));
                p.put("type", fs.type());
                p.put("mountPoint", fs.mountPoint());
                p.put("device", fs.device());
                p.put("blockSize", fs.blockSize());
                DirectIoAlignment dio = fs.directIo();
                Map<String, Object> d = new LinkedHashMap<>();
                if (dio != null) {
                    d.put("supported", dio.supported());
                    d.put("memoryAlignment", dio.memoryAlignment());
                    d.put("offsetAlignment", dio.offsetAlignment());
                    d.put("source", dio.source());
                }
                p.put("directIo", dio == null ? null : d);
                pathList.add(p);
            }
            root.put("paths", pathList);
            return root;
        }

        private static Map<String, Object> engineJson(EngineStatus e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("available", e.available());
            m.put("detail", e.detail());
            return m;
        }

        private static String text(OptionalLong value, String file) {
            return value.isPresent() ? Long.toString(value.getAsLong()) : "unknown (cannot read " + file + ")";
        }

        private static String directIoText(DirectIoAlignment dio) {
            if (dio == null) {
                return "unknown";
            }
            String from = dio.source() == null || dio.source().isBlank() ? "" : "; source: " + dio.source();
            if (!dio.supported()) {
                return "not supported" + from;
            }
            return "memory alignment " + dio.memoryAlignment() + ", offset alignment " + dio.offsetAlignment()
                    + " bytes" + from;
        }

        private static String nullToEmpty(String s) {
            return s == null ? "" : s;
        }

        private static String pad(String s, int width) {
            return s.length() >= width ? s : s + " ".repeat(width - s.length());
        }
    }

    /** Label/value lines with the values aligned in one column, under optional headings. */
    private static final class Table {
        private record Line(int indent, String label, String value) {
        }

        private final List<Line> lines = new ArrayList<>();

        void heading(String text) {
            lines.add(new Line(-1, text, null));
        }

        void row(int indent, String label, String value) {
            lines.add(new Line(indent, label, value == null ? "" : value));
        }

        @Override
        public String toString() {
            int width = 0;
            for (Line l : lines) {
                if (l.value != null) {
                    width = Math.max(width, 2 * l.indent + l.label.length());
                }
            }
            StringBuilder out = new StringBuilder();
            for (Line l : lines) {
                if (l.value == null) {
                    out.append('\n').append(l.label).append('\n');
                } else {
                    String left = "  ".repeat(l.indent) + l.label;
                    out.append(left).append(" ".repeat(width - left.length() + 2)).append(l.value).append('\n');
                }
            }
            out.setLength(out.length() - 1); // println adds the last newline
            return out.toString();
        }
    }
}
