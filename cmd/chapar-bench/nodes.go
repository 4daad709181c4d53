package main

// Where clients go when -server lists several nodes of one cluster (they
// share one database, so a user registered on one node is known on all).
// Every scenario puts a message's sender and its receivers on different
// nodes wherever it can, so that the figures include the hop between
// nodes. With one server, everything goes to it.
//
//   - dm: the sender of pair i on node i mod N, its receiver on node
//     (i+1) mod N: never the same node, and the senders spread evenly.
//   - group: the sender (member 0) on node 0, member j on node j mod N,
//     so all but about 1/N of the receivers are on other nodes.
//   - idle: connection i on node i mod N.
//
// Each user registers on the node it then connects to.

// dmNodes returns the nodes of pair i's sender and receiver.
func dmNodes(pair, nodes int) (sender, receiver int) {
	return pair % nodes, (pair + 1) % nodes
}

// dmUserNode is the node of dm user j: user 2i is the sender of pair i,
// user 2i+1 its receiver.
func dmUserNode(j, nodes int) int {
	sender, receiver := dmNodes(j/2, nodes)
	if j%2 == 0 {
		return sender
	}
	return receiver
}

// roundRobin is the node of client i in group and idle.
func roundRobin(i, nodes int) int {
	return i % nodes
}
