// Package faults describes fault schedules as data: what goes wrong, where
// and when in virtual time. A schedule is drawn from a seed's fault stream,
// printed in full before a run, and applied by the scenario that runs it;
// this package knows nothing of the runtime.
//
// Today a schedule holds process crashes and restarts (of workers and of
// the checkpoint coordinator) and checkpoint-store failure windows. Network
// partitions, clogs, latency spikes and client retries come with the fault
// campaign work.
package faults
