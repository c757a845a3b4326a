package scenarios

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync/atomic"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// Driver is what a job needs from whoever runs it: the simulator kernel or
// the real-time driver.
type Driver interface {
	AddNode(factory func() sim.Process) sim.NodeID
}

// Job is one scenario run, wired but independent of its driver: workers and
// clients as process factories, the clients' logs, and the checks.
type Job struct {
	cfg      Config
	workload Workload
	registry *runtime.Registry
	layout   layout
	requests [][]runtime.Request
	logs     []*clientLog
	faults   faults.Schedule
	finished atomic.Int64
	coord    runtime.CoordinatorStats // summed over the coordinator's incarnations
	buggify  *buggify                 // nil unless the simulator runs the job with Config.Buggify
	armed    armedCrashes             // the schedule's crashes at triggers, under the simulator
}

// NewJob resolves cfg and draws every client's requests from the seed's
// per-client workload streams.
func NewJob(cfg Config) (*Job, error) {
	cfg, err := Resolve(cfg)
	if err != nil {
		return nil, err
	}
	wl := registered[cfg.Scenario].workload(cfg)
	reg := runtime.NewRegistry()
	if err := wl.Register(reg); err != nil {
		return nil, err
	}
	j := &Job{
		cfg:      cfg,
		workload: wl,
		registry: reg,
		layout:   layout{workers: cfg.Workers, clients: cfg.Clients},
	}
	streams := sim.NewStreams(cfg.Seed)
	j.faults = drawFaults(cfg, streams)
	for c := range cfg.Clients {
		rng := streams.Stream(fmt.Sprintf("workload/client/%d", c))
		j.requests = append(j.requests, wl.Requests(runtime.ClientID(c), cfg.Ops, rng))
		// Room for one attempt of each operation: growing a log of a few
		// hundred Ops by doubling copied most of them several times.
		j.logs = append(j.logs, &clientLog{ops: make([]Op, 0, len(j.requests[c]))})
	}
	return j, nil
}

// drawFaults returns the run's fault schedule: the given one, or one drawn
// from the seed for the fault model. Crashes come from the stream
// "faults", as they always have, and network faults from their own,
// "faults/network", so that the crashes of an "all" run are those of a
// "crash" run of the same seed.
func drawFaults(cfg Config, streams sim.Streams) faults.Schedule {
	switch cfg.Faults {
	case FaultsGiven:
		return cfg.Schedule
	case FaultsNone:
		return nil
	}
	m := faultMix(cfg)
	var s faults.Schedule
	if m.Crash {
		s = faults.DrawCrashes(faults.CrashParams{
			Workers:      cfg.Workers,
			Span:         cfg.FaultSpan,
			GapMean:      m.GapMean,
			DownMax:      m.DownMax,
			CoordinatorP: m.CoordinatorP,
			StoreP:       m.StoreFailureP,
		}, streams.Stream("faults"))
	}
	if m.Network {
		s = append(s, faults.DrawNetwork(faults.NetworkParams{
			Workers:   cfg.Workers,
			Span:      cfg.FaultSpan,
			GapMean:   m.GapMean,
			WindowMax: m.WindowMax,
			ExtraMax:  m.ExtraMax,
			StoreP:    m.StoreLatencyP,
		}, streams.Stream("faults/network"))...)
		sort.SliceStable(s, func(a, b int) bool { return s[a].At < s[b].At })
	}
	if m.Crash && cfg.Faults != FaultsCrash {
		s = append(s, faults.DrawTriggered(faults.TriggeredParams{
			Workers: cfg.Workers, Span: cfg.FaultSpan, Count: triggeredCrashes,
			Window: cfg.FaultSpan / 4, DownMax: m.DownMax,
		}, streams.Stream("faults/triggered"))...)
		s = append(s, faults.DrawClientTimeouts(cfg.Clients, clientTimeouts, cfg.FaultSpan, streams.Stream("faults/clients"))...)
		sort.SliceStable(s, func(a, b int) bool { return s[a].At < s[b].At })
	}
	if err := s.Validate(cfg.Workers); err != nil {
		panic(fmt.Sprintf("scenarios: drawn an invalid fault schedule: %v", err))
	}
	return s
}

// faultMix is a drawn fault model's parameters: a swarm seed's own, or
// the fixed ones of crash, network and all (about 8 draws of each kind a
// run, crashed processes down up to 3 checkpoint intervals, network faults
// lasting and spikes adding up to 5, a fifth of the crashes hitting the
// coordinator, a fifth of the draws adding a store fault).
func faultMix(cfg Config) Swarm {
	if cfg.Faults == FaultsSwarm {
		return cfg.Swarm
	}
	crash := cfg.Faults == FaultsCrash || cfg.Faults == FaultsAll
	m := Swarm{
		Crash: crash, StoreFailures: crash,
		Network: cfg.Faults == FaultsNetwork || cfg.Faults == FaultsAll, StoreLatency: cfg.Faults == FaultsAll,
		GapMean: cfg.FaultSpan / 8, DownMax: 3 * cfg.CheckpointInterval,
		CoordinatorP: 0.2, StoreFailureP: 0.2,
		WindowMax: 5 * cfg.CheckpointInterval, ExtraMax: 5 * cfg.CheckpointInterval,
	}
	if m.StoreLatency {
		m.StoreLatencyP = 0.2
	}
	return m
}

// Config returns the resolved configuration.
func (j *Job) Config() Config { return j.cfg }

// coordinatorLatency is the latency of the links to and from the
// checkpoint coordinator: a job manager usually runs on a machine of its
// own, and its requests reach workers with a wide spread, so markers often
// overtake them (which is what alignment is for).
var coordinatorLatency = sim.Latency{Min: 50, Mean: 500, Jitter: 450}

// network is the job's network model: the kernel's default latency between
// workers and clients, coordinatorLatency to and from the coordinator, and
// the schedule's partitions, clogs and delay spikes.
func (j *Job) network() *sim.Links {
	links := sim.NewLinks(sim.DefaultLatency)
	links.PerLink = map[sim.Link]sim.Latency{}
	c := j.layout.coordinatorNode()
	for w := range j.cfg.Workers {
		n := j.layout.workerNode(runtime.WorkerID(w))
		links.PerLink[sim.Link{From: c, To: n}] = coordinatorLatency
		links.PerLink[sim.Link{From: n, To: c}] = coordinatorLatency
	}
	for _, e := range j.faults {
		window := sim.Window{From: e.At, Until: e.Until}
		switch e.Kind {
		case faults.Partition, faults.PartitionOneWay:
			links.Partitions = append(links.Partitions, sim.Partition{
				A: []sim.NodeID{j.node(e.Nodes[0])}, B: []sim.NodeID{j.node(e.Nodes[1])},
				OneWay: e.Kind == faults.PartitionOneWay, Window: window,
			})
		case faults.SwizzleClog:
			for _, l := range e.Links {
				links.Clogs = append(links.Clogs, sim.Clog{
					Link:   sim.Link{From: j.node(l.From), To: j.node(l.To)},
					Window: sim.Window{From: l.At, Until: l.Until},
				})
			}
		case faults.DelaySpike:
			spike := sim.Spike{Extra: e.Extra, Window: window}
			for _, n := range e.Nodes {
				spike.Nodes = append(spike.Nodes, j.node(n))
			}
			links.Spikes = append(links.Spikes, spike)
		}
	}
	return links
}

// node maps a fault schedule's node to the simulator's.
func (j *Job) node(n faults.Node) sim.NodeID {
	if n == faults.Coordinator {
		return j.layout.coordinatorNode()
	}
	return j.layout.workerNode(runtime.WorkerID(n))
}

// storage is the job's checkpoint store: operations take 1 to 5ms, fail
// in the schedule's store-failure windows and take longer in its
// store-latency spikes.
func (j *Job) storage() sim.StoreModel {
	disk := &sim.Disk{LatencyMin: sim.Millisecond, LatencyMax: 5 * sim.Millisecond, FaultWindows: j.faults.StoreWindows()}
	spikes := j.faults.StoreSpikes()
	if len(spikes) == 0 {
		return disk
	}
	return &spikyDisk{disk: disk, spikes: spikes}
}

// spikyDisk adds the latency of store-latency spikes to a Disk's plan:
// an operation that starts inside a spike takes its Extra longer
// (overlapping spikes add up).
type spikyDisk struct {
	disk   *sim.Disk
	spikes []faults.StoreSpike
}

func (d *spikyDisk) Plan(now sim.Time, op sim.StoreOpKind, rng *rand.Rand) (sim.Time, bool) {
	latency, fail := d.disk.Plan(now, op, rng)
	for _, s := range d.spikes {
		if s.Window.Contains(now) {
			latency += s.Extra
		}
	}
	return latency, fail
}

// Faults returns the job's fault schedule.
func (j *Job) Faults() faults.Schedule { return j.faults }

// Install adds the job's workers, its checkpoint coordinator and its
// clients to d, in that order. With Config.Buggify, and only under the
// simulator, BUGGIFY points may fire.
func (j *Job) Install(d Driver) {
	if s, ok := d.(*sim.Sim); ok && j.cfg.Buggify {
		j.buggify = newBuggify(j.cfg.Seed, s)
	}
	var pipeline runtime.Pipeline
	if p, ok := j.workload.(interface{ Pipeline() runtime.Pipeline }); ok {
		pipeline = p.Pipeline()
	}
	for w := range j.cfg.Workers {
		cfg := runtime.Config{
			Pipeline:       pipeline,
			ID:             runtime.WorkerID(w),
			KeyGroups:      j.placement().KeyGroups,
			Workers:        j.cfg.Workers,
			Registry:       j.registry,
			InvocationCost: j.cfg.InvocationCost,
			ExactlyOnce:    j.cfg.CheckpointInterval > 0,
			Strategy:       j.cfg.Strategy,
			Bug:            j.cfg.Bug,
			// Only a schedule that can lose packets needs pings; without
			// them runs of the other fault models keep their traces.
			ChannelHeartbeats: j.faults.Lossy(),
		}
		d.AddNode(j.workerFactory(cfg))
	}
	coord := runtime.CoordinatorConfig{
		Workers:            j.cfg.Workers,
		CheckpointInterval: runtime.Micros(max(j.cfg.CheckpointInterval, 0)),
		Bug:                j.cfg.Bug,
	}
	if j.buggify != nil {
		coord.Buggify = nodeBuggify{j.buggify, j.layout.coordinatorNode()}
	}
	if _, simulated := d.(*sim.Sim); !simulated {
		coord.HeartbeatTimeout, coord.RecoveryTimeout = realtimeHeartbeatTimeout, realtimeRecoveryTimeout
	}
	d.AddNode(func() sim.Process { return &coordinatorNode{layout: j.layout, cfg: coord, totals: &j.coord} })
	for c := range j.cfg.Clients {
		d.AddNode(j.clientFactory(runtime.ClientID(c)))
	}
}

// Failure detection on the wall clock. The runtime's defaults (a worker
// silent for 50ms is dead, a recovery not done in 100ms starts over) suit
// virtual time, where nothing stalls a process but a fault. On a real
// machine a worker that is busy, descheduled or waiting for the collector
// goes quiet for that long under load, and each false alarm rolls the
// whole job back: an open-loop 2PC run at 50,000 offered transfers/s made
// 20-30 needless recoveries and committed 7,000-9,000/s. A restarted
// worker is still noticed at once, by its generation-0 heartbeat.
const (
	realtimeHeartbeatTimeout runtime.Micros = 1_000_000
	realtimeRecoveryTimeout  runtime.Micros = 2_000_000
)

// workerFactory builds worker cfg.ID's processes, under BUGGIFY if the
// job has it.
func (j *Job) workerFactory(cfg runtime.Config) func() sim.Process {
	if j.buggify == nil {
		return func() sim.Process { return &workerNode{layout: j.layout, cfg: cfg, trip: j.trip} }
	}
	bug := nodeBuggify{j.buggify, j.layout.workerNode(cfg.ID)}
	cfg.Buggify = bug
	return func() sim.Process {
		return &buggyWorker{workerNode: &workerNode{layout: j.layout, cfg: cfg, trip: j.trip}, bug: bug}
	}
}

// clientFactory builds client c, under BUGGIFY if the job has it.
func (j *Job) clientFactory(c runtime.ClientID) func() sim.Process {
	if j.buggify == nil {
		return func() sim.Process { return j.newClient(c) }
	}
	bug := nodeBuggify{j.buggify, j.layout.clientNode(c)}
	return func() sim.Process {
		return &buggyClient{client: j.newClient(c), bug: bug, owner: j.placement().Owner}
	}
}

// BuggifyCounts returns how often each active BUGGIFY point fired, nil
// without BUGGIFY.
func (j *Job) BuggifyCounts() []BuggifyCount { return j.buggify.counts() }

func (j *Job) newClient(c runtime.ClientID) *client {
	return &client{
		id:        c,
		layout:    j.layout,
		requests:  j.requests[c],
		gaps:      arrivalGaps(j.cfg, c, len(j.requests[c])),
		log:       j.logs[c],
		onDone:    func() { j.finished.Add(1) },
		retryable: j.retryable,
		owner:     j.placement().Owner,
	}
}

func (j *Job) placement() runtime.Placement {
	return runtime.Placement{KeyGroups: runtime.KeyGroupsDefault, Workers: j.cfg.Workers}
}

// BugClientRetryCommitted makes clients resubmit a transaction that
// committed, under a new request id, as if it had been retryable.
const BugClientRetryCommitted runtime.Bug = "client-retry-committed"

// retryable decides whether a client resubmits: the workload's rule, or,
// under BugClientRetryCommitted, any answer that took effect.
func (j *Job) retryable(r runtime.Response) bool {
	if j.cfg.Bug == BugClientRetryCommitted && tookEffect(r.Msg.Kind) {
		return true
	}
	return j.workload.Retryable(r)
}

// Done reports whether every client has had all its requests answered. It
// is safe to call from another goroutine.
func (j *Job) Done() bool { return j.finished.Load() == int64(j.cfg.Clients) }

// Settled reports whether the job has converged: the coordinator is up and
// steady and every worker runs its generation. A run reads its final state
// only then.
func (j *Job) Settled(process func(sim.NodeID) sim.Process) bool {
	cn, ok := process(j.layout.coordinatorNode()).(*coordinatorNode)
	if !ok || cn.coord == nil || !cn.coord.Steady() {
		return false
	}
	for w := range j.cfg.Workers {
		wn, ok := asWorker(process(j.layout.workerNode(runtime.WorkerID(w))))
		if !ok || wn.worker == nil || !wn.worker.Running() || wn.worker.Generation() != cn.coord.Generation() {
			return false
		}
	}
	return true
}

// Check collects the final state from the workers and runs every check:
// the job's own (each request answered exactly once, every client done) and
// the workload's. process returns a node's current process; call Check only
// once the driver has stopped.
func (j *Job) Check(process func(sim.NodeID) sim.Process) (Outcome, []string) {
	o := Outcome{State: map[runtime.Address]map[string][]byte{}}
	var violations []string
	for w := range j.cfg.Workers {
		p := process(j.layout.workerNode(runtime.WorkerID(w)))
		node, ok := asWorker(p)
		if !ok || node.worker == nil {
			violations = append(violations, fmt.Sprintf("liveness: worker %d is not running at the end", w))
			continue
		}
		for _, a := range node.worker.Instances() {
			o.State[a] = node.worker.State(a)
		}
	}
	for c, log := range j.logs {
		o.Histories = append(o.Histories, log.ops)
		o.Unexpected = append(o.Unexpected, log.unexpected...)
		violations = append(violations, checkClient(runtime.ClientID(c), log, len(j.requests[c]))...)
	}
	return o, append(violations, j.workload.Check(o)...)
}

// Checkpoints returns the coordinator's counters, summed over its
// incarnations.
func (j *Job) Checkpoints() runtime.CoordinatorStats { return j.coord }

// Stats sums the counters of the job's running workers.
func (j *Job) Stats(process func(sim.NodeID) sim.Process) runtime.Stats {
	var sum runtime.Stats
	for w := range j.cfg.Workers {
		node, ok := asWorker(process(j.layout.workerNode(runtime.WorkerID(w))))
		if !ok || node.worker == nil {
			continue
		}
		s := node.worker.Stats()
		sum.Invocations += s.Invocations
		sum.Failures += s.Failures
		sum.LocalSends += s.LocalSends
		sum.RemoteSends += s.RemoteSends
		sum.Responses += s.Responses
		sum.IngressRead += s.IngressRead
		sum.Snapshots += s.Snapshots
		sum.SnapshotB += s.SnapshotB
		sum.Restores += s.Restores
		sum.Recorded += s.Recorded
		sum.Held += s.Held
		sum.Gaps += s.Gaps
		sum.Duplicates += s.Duplicates
		sum.ChainMax = max(sum.ChainMax, s.ChainMax)
	}
	return sum
}

// checkClient verifies exactly-once answers as one client saw them.
func checkClient(c runtime.ClientID, log *clientLog, want int) []string {
	var v []string
	for _, r := range log.unexpected {
		v = append(v, fmt.Sprintf("exactly-once: client %d got an unexpected %v", c, r))
	}
	answered := 0
	for _, op := range log.ops {
		if op.Answered {
			answered++
		}
	}
	// Retries add requests beyond the drawn ones; each must be answered.
	if !log.done || answered != len(log.ops) || len(log.ops) < want {
		v = append(v, fmt.Sprintf("liveness: client %d has %d of %d requests answered (%d operations drawn)", c, answered, len(log.ops), want))
	}
	return v
}

// History is what the checker judges of an outcome of this job: false
// for a workload that keeps no history (bank, chain).
func (j *Job) History(o Outcome) (checker.History, bool) {
	h, ok := j.workload.(historian)
	if !ok {
		return checker.History{}, false
	}
	return h.History(o), true
}
