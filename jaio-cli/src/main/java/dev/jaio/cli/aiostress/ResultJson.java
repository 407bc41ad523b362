package dev.jaio.cli.aiostress;

import dev.jaio.SystemInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --json} document of a run: the engine, every option (as given and as derived), and per
 * stage the bytes, MiB, MiB/s, IOPS, completion-latency percentiles in microseconds, and the user
 * and system CPU seconds of the process. "MB" in aio-stress's lines is MiB; here it is named so.
 */
public final class ResultJson {

    private ResultJson() {
    }

    /** The document as nested maps and lists, for {@code dev.jaio.cli.Json}. */
    public static Map<String, Object> toJson(AioStressResult r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("tool", "jaio aio-stress");
        root.put("compatibleWith", "xfstests ltp/aio-stress.c 0.21");
        root.put("jaioVersion", SystemInfo.jaioVersion());
        root.put("engine", r.engine());
        root.put("engineRequested", r.options().engine());
        root.put("exitStatus", r.exitStatus());
        root.put("errors", r.errors());
        root.put("verifyErrors", r.verifyErrors());
        root.put("failure", r.failure());
        root.put("cpuTimeSource", CpuTimes.SOURCE);
        root.put("options", options(r.options(), r.settings()));
        List<Object> stages = new ArrayList<>();
        for (StageResult s : r.stages()) {
            stages.add(stage(s));
        }
        root.put("stages", stages);
        if (r.engineStats() != null) {
            root.putAll(dev.jaio.cli.StatsJson.of(r.engineStats(), r.pageCacheStats())); // the whole run, every stage
        }
        return root;
    }

    private static Map<String, Object> options(AioStressOptions o, Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> files = new ArrayList<>();
        for (Path p : o.files()) {
            files.add(p.toString());
        }
        m.put("files", files);
        m.put("fileSize", o.fileSize());
        m.put("recordSize", o.recordSize());
        m.put("alignment", o.alignment());
        m.put("depth", o.depth());
        m.put("iosPerIteration", o.iosPerIteration());
        m.put("maxIoSubmit", o.maxIoSubmit());
        m.put("contexts", o.contexts());
        m.put("contextOffset", o.contextOffset());
        m.put("iterations", o.iterations());
        List<Object> stageNames = new ArrayList<>();
        for (Stage st : o.stages()) {
            stageNames.add(st.displayName());
        }
        m.put("stages", stageNames);
        m.put("direct", o.direct());
        m.put("sync", o.sync());
        m.put("bufferSource", o.bufferSource().flagValue());
        m.put("fsync", o.fsync());
        m.put("submitLatency", o.submitLatency());
        m.put("completionLatency", o.completionLatency());
        m.put("threads", o.threads());
        m.put("unlink", o.unlink());
        m.put("verify", o.verify());
        m.put("stonewall", o.stonewall());
        m.put("engine", o.engine());
        m.put("dropCache", o.dropCache());
        Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("enabled", o.pageCache().enabled());
        cache.put("cacheBytes", o.pageCache().cacheBytes().isPresent() ? o.pageCache().cacheBytes().getAsLong() : null);
        cache.put("readahead", o.pageCache().enabled() ? o.pageCache().readahead().flagValue() : null);
        cache.put("maxReadaheadBytes", o.pageCache().enabled() ? o.pageCache().maxReadaheadBytes() : null);
        m.put("pageCache", cache);
        if (s != null) {
            Map<String, Object> eff = new LinkedHashMap<>();
            eff.put("iosPerIteration", s.iosPerIteration());
            eff.put("threads", s.threads());
            eff.put("maxIoSubmit", s.maxIoSubmit());
            m.put("effective", eff);
        }
        m.put("commandLine", new ArrayList<Object>(o.commandLine()));
        return m;
    }

    private static Map<String, Object> stage(StageResult s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.stage().displayName());
        m.put("engine", s.engine());
        m.put("ios", s.ios());
        m.put("recordSize", s.recordSize());
        m.put("bytes", s.bytes());
        m.put("bytesCompleted", s.bytesCompleted());
        m.put("mib", round(s.mb()));
        m.put("seconds", round6(s.seconds()));
        m.put("mibPerSecond", round(s.mbPerSecond()));
        m.put("iops", round(s.iops()));
        m.put("minTransferMib", Double.isNaN(s.minTransferMb()) ? null : round(s.minTransferMb()));
        LatencySummary l = s.latency();
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("count", l.count());
        lat.put("min", round(l.minUs()));
        lat.put("mean", round(l.meanUs()));
        lat.put("p50", round(l.p50Us()));
        lat.put("p90", round(l.p90Us()));
        lat.put("p99", round(l.p99Us()));
        lat.put("p99.9", round(l.p999Us()));
        lat.put("p99.99", round(l.p9999Us()));
        lat.put("max", round(l.maxUs()));
        m.put("completionLatencyUs", lat);
        if (s.cache() != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("capacityPages", s.cache().capacityPages());
            c.put("residentPages", s.cache().residentPages());
            c.put("hits", s.cache().hits());
            c.put("misses", s.cache().misses());
            c.put("readaheadPages", s.cache().readaheadPages());
            c.put("demandPages", s.cache().demandPages());
            c.put("deviceReads", s.cache().deviceReads());
            c.put("evictions", s.cache().evictions());
            c.put("retries", s.cache().retries());
            c.put("idleRetries", s.cache().idleRetries());
            c.put("spuriousWakeups", s.cache().spuriousWakeups());
            c.put("collisionsSkipped", s.cache().collisionsSkipped());
            c.put("frameWaits", s.cache().frameWaits());
            c.put("bypassReads", s.cache().bypassReads());
            c.put("readErrors", s.cache().readErrors());
            c.put("dirtyPages", s.cache().dirtyPages());
            c.put("pagesDirtied", s.cache().pagesDirtied());
            c.put("pagesWritten", s.cache().pagesWritten());
            c.put("deviceWrites", s.cache().deviceWrites());
            c.put("flushes", s.cache().flushes());
            c.put("throttled", s.cache().throttled());
            c.put("writeErrors", s.cache().writeErrors());
            m.put("pageCache", c);
        }
        Map<String, Object> census = new LinkedHashMap<>();
        census.put("total", s.threadCensus().total());
        census.put("aioStress", s.threadCensus().workers());
        census.put("jaioEngine", s.threadCensus().jaio());
        census.put("ioUringWorkers", s.threadCensus().ioUringWorkers());
        m.put("processThreads", census);
        m.put("userCpuSeconds", round(s.cpu().userSeconds()));
        m.put("systemCpuSeconds", round(s.cpu().systemSeconds()));
        m.put("errors", s.errors());
        m.put("verifyErrors", s.verifyErrors());
        m.put("cappedByIterations", s.cappedByIterations());
        List<Object> threads = new ArrayList<>();
        for (ThreadStageResult t : s.threads()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("thread", t.thread());
            tm.put("ios", t.ios());
            tm.put("mib", round(t.mb()));
            tm.put("seconds", round6(t.seconds()));
            tm.put("mibPerSecond", round(t.mbPerSecond()));
            tm.put("stonewalled", t.stonewalled());
            threads.add(tm);
        }
        m.put("threads", threads);
        return m;
    }

    /** Six decimals (microseconds, for seconds); NaN and infinities become null. */
    private static Double round6(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return null;
        }
        return Math.round(v * 1e6) / 1e6;
    }

    /** Three decimals; NaN and infinities become null in JSON. */
    private static Double round(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return null;
        }
        return Math.round(v * 1000) / 1000.0;
    }
}
