// Package protocoltest is the interaction-test harness of the transaction
// protocols, shared by the datadriven tests of protocols/twopc and
// protocols/saga (as etcd's rafttest is by raft's): a job of workers
// without checkpoints, an account business function, 2PC and saga
// coordinators behind the participant pipeline, and a host that holds every
// message between instances until a command delivers it. Only tests import
// it; it reads scenario files and is not part of any simulation.
package protocoltest
