package dev.jaio.cli.vsjdk;

import java.util.List;

/**
 * Everything one {@code jaio bench --vs=jdk} run measured.
 *
 * @param machine where it ran
 * @param settings how it ran
 * @param fileSize FILE's size in bytes
 * @param workloads the workloads, in the order they ran
 */
public record VsJdkReport(Machine machine, VsJdkSettings settings, long fileSize, List<WorkloadReport> workloads) {

    /** Makes the report. */
    public VsJdkReport {
        workloads = List.copyOf(workloads);
    }

    /** {@return the report as a text table per workload} */
    public String toText() {
        return TextReport.format(this);
    }

    /** {@return the report as a JSON value of maps and lists, for {@code dev.jaio.cli.Json}} */
    public Object toJson() {
        return JsonReport.toJson(this);
    }

    /** {@return whether every contender of every workload ran without an error} */
    public boolean allOk() {
        return workloads.stream().flatMap(w -> w.contenders().stream()).allMatch(c -> c.failedRuns() == 0);
    }
}
