using System.Diagnostics;

namespace Totoro.Cli.Tests;

/// <summary>
/// Issue 18: `totoro` installs as a .NET tool. Packing takes minutes (ScottPlot's native libraries for every
/// platform), so this reads the properties `dotnet pack` acts on; README's install lines were run by hand.
/// </summary>
public class ToolPackageTests
{
    [Fact]
    public async Task The_cli_packs_as_a_dotnet_tool_named_totoro()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "msbuild", Path.Combine(RepoRoot.Find(), "Totoro.Cli", "Totoro.Cli.csproj"), "-getProperty:PackAsTool", "-getProperty:ToolCommandName", "-getProperty:PackageId", "-getProperty:IsPackable" })
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string json = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await stderr + json);
        var properties = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("Properties");
        Assert.Equal("true", properties.GetProperty("PackAsTool").GetString());
        Assert.Equal("totoro", properties.GetProperty("ToolCommandName").GetString());
        Assert.Equal("Totoro.Cli", properties.GetProperty("PackageId").GetString());
        Assert.NotEqual("false", properties.GetProperty("IsPackable").GetString());
    }
}
