using Totoro.Core.Runtime;

namespace Totoro.Sim.Kernel;

/// <summary>Sees every message a node sends (from, to, message) before the network carries it: a measuring tap.</summary>
public delegate void SendObserver(int from, int to, in Message message);
