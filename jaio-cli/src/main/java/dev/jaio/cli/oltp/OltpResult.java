package dev.jaio.cli.oltp;

/**
 * One configuration's measured interval, the row of the paper's Tables 2-5.
 *
 * @param label the I/O mode and cleaners, as in {@code direct sync:8}
 * @param io the I/O mode's flag
 * @param cleaners the cleaners' flag: none, aio:1, sync:N
 * @param cleanerThreads the cleaner threads
 * @param frames the pool's frames (after a memory budget)
 * @param seconds the measured interval
 * @param transactions transactions completed in it
 * @param tps transactions per second
 * @param p50Ms median transaction latency, milliseconds
 * @param p95Ms 95th percentile, milliseconds
 * @param p99Ms 99th percentile, milliseconds
 * @param hits page fixes that found the page in the pool
 * @param misses page fixes that read the page
 * @param cleanerWrites pages written by cleaners
 * @param agentWrites pages written by agents (dirty victims)
 * @param agentWritePercent agent writes as a share of all page writes, percent
 * @param agentWriteMicros an agent write's mean time, the wait for the log before it included:
 *     microseconds; NaN without agent writes
 * @param agentStallPercent the share of the agents' time spent on agent writes, percent: what
 *     cleaners that kept up would give back to transactions, at most
 * @param frameWaits times an agent found no free or clean victim
 * @param cleanAheadFrames the cleaners' window ahead of the clock hand, frames, averaged over the interval
 * @param cpuMicrosPerTxn process CPU (user + system) per transaction, microseconds
 * @param cleanerCpuPercent the cleaner threads' CPU as a share of one core, percent
 * @param osThreads the process's threads at the end of the interval
 * @param rssMiB the process's resident memory at the end of the interval, MiB
 * @param logBatches group-commit batches written
 * @param recordsPerBatch log records per batch
 * @param error why the configuration failed, or null
 * @param table which table of the run the row belongs to: {@code raw} (the paper's Tables 2 and 3),
 *     {@code fs} (Tables 4 and 5) or {@code run} (a single configuration)
 * @param round which turn of {@code --repeat}, from 1
 */
public record OltpResult(String label, String io, String cleaners, int cleanerThreads, int frames, double seconds,
        long transactions, double tps, double p50Ms, double p95Ms, double p99Ms, long hits, long misses,
        long cleanerWrites, long agentWrites, double agentWritePercent, double agentWriteMicros,
        double agentStallPercent, long frameWaits, double cleanAheadFrames, double cpuMicrosPerTxn,
        double cleanerCpuPercent, int osThreads, long rssMiB, long logBatches, double recordsPerBatch, String error,
        String table, int round) {

    /** {@return this result as turn {@code round} of table {@code table}} */
    public OltpResult in(String table, int round) {
        return new OltpResult(label, io, cleaners, cleanerThreads, frames, seconds, transactions, tps, p50Ms, p95Ms,
                p99Ms, hits, misses, cleanerWrites, agentWrites, agentWritePercent, agentWriteMicros, agentStallPercent,
                frameWaits, cleanAheadFrames, cpuMicrosPerTxn,
                cleanerCpuPercent, osThreads, rssMiB, logBatches, recordsPerBatch, error, table, round);
    }

    /** A configuration that failed before or while it ran. */
    public static OltpResult failed(OltpSettings s, String error) {
        return new OltpResult(s.label(), s.io().flag(), s.cleaners().label(), s.cleaners().threads(), 0, 0, 0, 0,
                Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0,
                Double.NaN, error, "run", 1);
    }
}
