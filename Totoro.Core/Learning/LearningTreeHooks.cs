using Totoro.Core.Forest;

namespace Totoro.Core.Learning;

/// <summary>
/// The hooks a learning app's tree needs beyond the forest's own: the robust merge rules (sized from the app's
/// descriptor) and the participant router, one instance per node and app, so that what a selector learns stays in
/// the node that learned it.
/// </summary>
public sealed class LearningTreeHooks : TreeHooks
{
    public static new readonly LearningTreeHooks Default = new();

    protected override IAggregationRule? Rule(AppDescriptor app, string name)
    {
        if (name is not ("median" or "trimmed-mean"))
            return base.Rule(app, name);
        if (!LearningAppInfo.TryDecode(app.Application, out LearningAppInfo? info, out _))
            return null;
        return ServerRules.Merge(info!.Spec with { Rule = name }, info.Parameters);
    }

    protected override IChildSelector? Selector(AppDescriptor app, string name)
        => name == ParticipantRouter.SelectorName ? new ParticipantRouter() : base.Selector(app, name);
}
