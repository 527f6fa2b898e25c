namespace Totoro.Core.Planning;

/// <summary>Which way a tree flow moves: a child's update up to its parent, or a parent's model down to a child.</summary>
public enum FlowDirection : byte
{
    Up = 0,
    Down = 1,
}
