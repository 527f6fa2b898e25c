namespace Totoro.Sim.Churn;

/// <summary>What happens to a node at a point of a churn trace.</summary>
public enum ChurnEventKind
{
    /// <summary>The node (re)joins the overlay.</summary>
    Join,

    /// <summary>Graceful departure: the node tells its neighbours first.</summary>
    Leave,

    /// <summary>Crash: the node stops at once, telling no one.</summary>
    Fail,
}
