using System.Runtime.CompilerServices;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

/// <summary>Every world these tests build sends its messages through the wire codec (DESIGN §3: tests run with the check on).</summary>
internal static class CodecCheckByDefault
{
    [ModuleInitializer]
    internal static void TurnOn() => OverlaySimConfig.CodecCheckDefault = true;
}
