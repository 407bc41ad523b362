package dev.jaio.cli.vsjdk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON form of a {@link VsJdkReport}: machine, settings, and per workload every contender's medians and runs. */
final class JsonReport {

    private JsonReport() {
    }

    static Map<String, Object> toJson(VsJdkReport r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", "bench --vs=jdk");
        Machine m = r.machine();
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("kernel", m.kernel());
        machine.put("cpus", m.cpus());
        machine.put("java", m.java());
        machine.put("javaVendor", m.javaVendor());
        machine.put("jaio", m.jaio());
        machine.put("engine", m.engine());
        root.put("machine", machine);
        VsJdkSettings s = r.settings();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("file", s.file().toString());
        settings.put("fileSize", r.fileSize());
        settings.put("engine", s.engine());
        settings.put("workloads", s.workloads());
        settings.put("rampSeconds", s.timing().rampSeconds());
        settings.put("runtimeSeconds", s.timing().runtimeSeconds());
        settings.put("repeat", s.repeat());
        settings.put("iodepth", s.depth());
        settings.put("threads", s.threads());
        settings.put("bs", s.blockSize());
        settings.put("size", s.regionBytes());
        settings.put("producers", s.producers());
        settings.put("records", s.records());
        settings.put("commitDepth", s.commitDepth());
        settings.put("seed", s.seed());
        root.put("settings", settings);
        List<Object> workloads = new ArrayList<>();
        for (WorkloadReport w : r.workloads()) {
            Map<String, Object> wm = new LinkedHashMap<>();
            wm.put("name", w.name());
            wm.put("title", w.title());
            wm.put("bestJdkOpsPerSecond", w.bestJdkOpsPerSecond());
            List<Object> contenders = new ArrayList<>();
            for (ContenderSummary c : w.contenders()) {
                contenders.add(contender(w, c));
            }
            wm.put("contenders", contenders);
            wm.put("notes", w.notes());
            workloads.add(wm);
        }
        root.put("workloads", workloads);
        root.put("ok", r.allOk());
        return root;
    }

    private static Map<String, Object> contender(WorkloadReport w, ContenderSummary c) {
        boolean log = w.name().equals("log");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("family", c.isJdk() ? "jdk" : "jaio");
        m.put("engine", c.engine());
        m.put("threads", c.threads());
        m.put("ok", c.ok());
        m.put("error", c.error());
        m.put("opsPerSecond", c.opsPerSecond());
        m.put("mibPerSecond", c.mibPerSecond());
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("p50", c.p50());
        lat.put("p99", c.p99());
        lat.put("p99.9", c.p999());
        m.put("latencyMicros", lat);
        m.put("cpuMicrosPerOp", c.cpuMicrosPerOp());
        if (log) {
            m.put("syncsPerSecond", c.syncsPerSecond());
            m.put("recordsPerSync", c.recordsPerBatch());
        }
        m.put("vsJdkBest", w.vsJdkBest(c));
        List<Object> runs = new ArrayList<>();
        for (RunResult r : c.runs()) {
            runs.add(run(r));
        }
        m.put("runs", runs);
        return m;
    }

    private static Map<String, Object> run(RunResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("threads", r.threads());
        m.put("engine", r.engine());
        m.put("error", r.error());
        m.put("ops", r.ops());
        m.put("bytes", r.bytes());
        m.put("seconds", r.seconds());
        m.put("cpuSeconds", r.cpuSeconds());
        m.put("opsPerSecond", r.opsPerSecond());
        m.put("mibPerSecond", r.mibPerSecond());
        m.put("cpuMicrosPerOp", r.cpuMicrosPerOp());
        Latency l = r.latency();
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("count", l.count());
        lat.put("mean", l.mean());
        lat.put("p50", l.p50());
        lat.put("p90", l.p90());
        lat.put("p99", l.p99());
        lat.put("p99.9", l.p999());
        lat.put("max", l.max());
        m.put("latencyMicros", lat);
        if (r.log() != null) {
            LogStats s = r.log();
            Map<String, Object> log = new LinkedHashMap<>();
            log.put("syncs", s.batches());
            log.put("syncsPerSecond", r.syncsPerSecond());
            log.put("recordsPerSync", r.recordsPerBatch());
            log.put("bytesWritten", s.bytesWritten());
            log.put("recordsDurable", s.recordsDurable());
            log.put("recordsVerified", s.recordsVerified());
            m.put("log", log);
        }
        m.put("notes", r.notes());
        m.putAll(r.extra());
        return m;
    }
}
