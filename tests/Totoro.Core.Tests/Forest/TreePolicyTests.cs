using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>The tree-shaping hook: the policy an app names decides where a full node passes a joiner.</summary>
public class TreePolicyTests
{
    private readonly FakeNetwork _network = new(seed: 5);

    private static NodeId Id(ulong high) => new((UInt128)high << 64);

    /// <summary>
    /// A lone node, root of an app with fanout 2, holding a tall child whose id starts 0xA1 and a leaf whose id starts
    /// 0x5; then a leaf joiner whose id starts 0xA1 too arrives. Returns the child the joiner was passed down to.
    /// </summary>
    private (PeerHandle PassedTo, PeerHandle Tall, PeerHandle Leaf) Place(ITreePolicy policy)
    {
        PeerHandle self = _network.Add(Id(0x3000_0000_0000_0000));
        FakeNodeContext context = _network.ContextFor(self);
        var node = new ForestNode(context, _network.IdOf(self), new PastryOptions(), hooks: null, app: null);
        node.Join(PeerHandle.None);
        var app = new NodeId(_network.IdOf(self).Value + 1);
        Payload descriptor = Payload.FromData((AppDescriptor.Default(app, "policy-app", 2) with { Policy = policy }).Encode());
        PeerHandle tall = _network.Add(Id(0xA1F0_0000_0000_0000));
        PeerHandle leaf = _network.Add(Id(0x5000_0000_0000_0000));
        PeerHandle joiner = _network.Add(Id(0xA1E0_0000_0000_0000));
        foreach ((PeerHandle child, int height) in (ReadOnlySpan<(PeerHandle, int)>)[(tall, 3), (leaf, 0), (joiner, 0)])
            node.Receive(child, TreeMessages.Join(app, child, 2, height, sentAt: 1, round: 0, avoid: null, descriptor, pushedDown: false, Totoro.Core.Rings.RouteScope.Global));

        Assert.True(node.TryGetTree(app, out TreeInfo tree) && tree.IsRoot);
        Assert.Equal([tall.Index, leaf.Index], tree.Children.Select(c => c.Index).Order()); // the joiner was not adopted here
        FakeNodeContext.Sent pushed = Assert.Single(context.Drain(), s => s.Message.Kind == TreeKind.Join);
        Message message = pushed.Message;
        var join = new JoinView(in message);
        Assert.True(join.PushedDown);
        Assert.Equal(joiner, join.Joiner);
        return (pushed.To, tall, leaf);
    }

    [Fact]
    public void Shallowest_first_passes_a_joiner_to_the_shallowest_child()
    {
        (PeerHandle passedTo, _, PeerHandle leaf) = Place(ShallowestFirstPolicy.Instance);
        Assert.Equal(leaf, passedTo);
    }

    [Fact]
    public void Prefix_passes_a_joiner_to_the_child_whose_id_shares_the_longest_prefix_with_it()
    {
        (PeerHandle passedTo, PeerHandle tall, _) = Place(PrefixPolicy.Instance);
        Assert.Equal(tall, passedTo);
    }

    [Fact]
    public void The_descriptor_carries_a_policy_by_name_and_the_default_costs_no_byte()
    {
        var app = NodeId.FromRandom(1, 2);
        AppDescriptor plain = AppDescriptor.Default(app, "x", 8);
        AppDescriptor prefix = plain with { Policy = PrefixPolicy.Instance };
        Assert.Equal(plain.Encode().Length + 1 + "prefix".Length, prefix.Encode().Length);

        Assert.True(AppDescriptor.TryDecode(prefix.Encode(), TreeHooks.Default, out AppDescriptor? decoded, out _));
        Assert.Same(PrefixPolicy.Instance, decoded!.Policy);
        Assert.True(AppDescriptor.TryDecode(plain.Encode(), TreeHooks.Default, out decoded, out _));
        Assert.Same(ShallowestFirstPolicy.Instance, decoded!.Policy);

        byte[] unknown = [.. plain.Encode(), 4, (byte)'w', (byte)'i', (byte)'d', (byte)'e'];
        Assert.False(AppDescriptor.TryDecode(unknown, TreeHooks.Default, out _, out string? error));
        Assert.Contains("tree policy 'wide' is unknown", error);
        Assert.False(AppDescriptor.TryDecode([.. prefix.Encode(), 0], TreeHooks.Default, out _, out error));
        Assert.Contains("after its tree policy", error);
    }
}
