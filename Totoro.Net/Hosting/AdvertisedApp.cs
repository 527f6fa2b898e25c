using Totoro.Core.Learning;

namespace Totoro.Net.Hosting;

/// <summary>What an app's advertisement carries in its requirements field: the spec and the run's seed, as JSON.</summary>
public sealed record AdvertisedApp(AppSpec Spec, ulong Seed);
