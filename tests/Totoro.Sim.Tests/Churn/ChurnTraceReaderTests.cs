using Totoro.Sim.Churn;

namespace Totoro.Sim.Tests.Churn;

public class ChurnTraceReaderTests
{
    [Fact]
    public void A_good_trace_is_read_in_order_with_header_comments_and_blank_lines_skipped()
    {
        const string text = "time,node,event\n# a comment\n0.5,3,fail\n\n1,7,leave\n2.25, 3 ,JOIN\n";
        IReadOnlyList<ChurnEvent> events = ChurnTraceReader.Read(new StringReader(text), "t.csv");
        Assert.Equal(
            [new ChurnEvent(0.5, 3, ChurnEventKind.Fail), new ChurnEvent(1, 7, ChurnEventKind.Leave), new ChurnEvent(2.25, 3, ChurnEventKind.Join)],
            events);
    }

    [Theory]
    [InlineData("0,1,fail\n1,2,join\n2,x,fail\n", 3, "node 'x'")]
    [InlineData("0,1,fail\n1,2\n", 2, "2 fields")]
    [InlineData("time,node,event\n0,1,fail\n1,2,crash\n", 3, "event 'crash'")]
    [InlineData("5,1,fail\n4,2,fail\n", 2, "earlier than the line before")]
    [InlineData("-1,1,fail\n", 1, "time '-1'")]
    [InlineData("0,1,fail\n\n# c\nNaN,2,join\n", 4, "time 'NaN'")]
    [InlineData("0,-3,fail\n", 1, "node '-3'")]
    public void A_bad_line_is_rejected_with_its_number(string text, int line, string problem)
    {
        var e = Assert.Throws<FormatException>(() => ChurnTraceReader.Read(new StringReader(text), "bad.csv"));
        Assert.Contains($"bad.csv, line {line}:", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Contains("expected `time,node,event`", e.Message, StringComparison.Ordinal);
    }
}
