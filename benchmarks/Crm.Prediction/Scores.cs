namespace Crm.Prediction;

/// <summary>AUC and log-loss of scores against labels, computed here so the true model is measured like the trained one.</summary>
public static class Scores
{
    /// <summary>Area under the ROC curve: the chance that a won lead scores above a lost one (ties count half).</summary>
    public static double Auc(IReadOnlyList<(double Score, bool Won)> scored)
    {
        var sorted = scored.OrderBy(item => item.Score).ToArray();
        double rankSumWon = 0;
        var won = 0;
        for (var start = 0; start < sorted.Length;)
        {
            var end = start;
            while (end + 1 < sorted.Length && sorted[end + 1].Score == sorted[start].Score)
            {
                end++;
            }

            var averageRank = ((start + end) / 2.0) + 1;
            for (var i = start; i <= end; i++)
            {
                if (sorted[i].Won)
                {
                    rankSumWon += averageRank;
                    won++;
                }
            }

            start = end + 1;
        }

        var lost = sorted.Length - won;
        return (rankSumWon - (won * (won + 1) / 2.0)) / ((double)won * lost);
    }

    /// <summary>Mean log-loss in bits (log base 2), as ML.NET's evaluator reports it; probabilities clipped at 1e-15.</summary>
    public static double LogLossBits(IReadOnlyList<(double Probability, bool Won)> scored) =>
        scored.Average(item => -Math.Log2(Math.Clamp(item.Won ? item.Probability : 1 - item.Probability, 1e-15, 1)));
}
