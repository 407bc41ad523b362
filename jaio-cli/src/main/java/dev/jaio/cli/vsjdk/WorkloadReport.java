package dev.jaio.cli.vsjdk;

import java.util.List;

/**
 * One workload's contenders and notes.
 *
 * @param name warm, log or cold
 * @param title what every contender does
 * @param contenders in the order they ran
 * @param notes remarks of the runs (a cache's hit counts, a log that filled up, a failed preparation)
 */
record WorkloadReport(String name, String title, List<ContenderSummary> contenders, List<String> notes) {

    WorkloadReport {
        contenders = List.copyOf(contenders);
        notes = List.copyOf(notes);
    }

    /** {@return the best median throughput of the JDK contenders that ran; NaN if none did} */
    double bestJdkOpsPerSecond() {
        return contenders.stream().filter(c -> c.isJdk() && c.ok()).mapToDouble(ContenderSummary::opsPerSecond)
                .filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
    }

    /** {@return contender c's throughput over the best JDK contender's; NaN if either is missing} */
    double vsJdkBest(ContenderSummary c) {
        double best = bestJdkOpsPerSecond();
        return c.ok() && best > 0 ? c.opsPerSecond() / best : Double.NaN;
    }
}
