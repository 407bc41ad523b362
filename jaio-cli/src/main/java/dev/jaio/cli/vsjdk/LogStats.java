package dev.jaio.cli.vsjdk;

/**
 * What a {@code log} contender's committer did in the measured interval, and what the read-back found.
 *
 * @param batches batches made durable in the measured interval (each one write with DSYNC, or a
 *     write and an fdatasync): the syncs
 * @param bytesWritten bytes the batches wrote to the file, with the padding and the rewritten
 *     last partial block of O_DIRECT contenders
 * @param recordsDurable every record the producers were told was durable, ramp and measured interval
 * @param recordsVerified records the read-back of the log found intact, in order, each producer's
 *     sequence without a gap; equals recordsDurable when nothing was lost
 */
record LogStats(long batches, long bytesWritten, long recordsDurable, long recordsVerified) {
}
