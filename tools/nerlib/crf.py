"""Linear-chain CRF with pytorch-crf / AdaSeq parameter names and layout.

transitions[i, j] is the score of moving from tag i to tag j; start_transitions[j] and
end_transitions[i] score the first and last tag. The Swift engine (Sources/BertNER/Model/CRF.swift)
reads exactly these three tensors, so this module is the reference for its Viterbi and marginals.
"""
import torch
from torch import nn


class CRF(nn.Module):
    def __init__(self, num_tags: int):
        super().__init__()
        self.num_tags = num_tags
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags).uniform_(-0.1, 0.1))
        self.start_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.end_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))

    # All methods take emissions [B, T, L] and a bool mask [B, T] whose true entries form a prefix.

    def neg_log_likelihood(self, emissions, tags, mask):
        """Mean over the batch of -log p(tags | emissions)."""
        return (self._log_partition(emissions, mask) - self._score(emissions, tags, mask)).mean()

    def _score(self, emissions, tags, mask):
        batch, steps, _ = emissions.shape
        maskf = mask.to(emissions.dtype)
        rows = torch.arange(batch)
        score = self.start_transitions[tags[:, 0]] + emissions[rows, 0, tags[:, 0]]
        for t in range(1, steps):
            step = self.transitions[tags[:, t - 1], tags[:, t]] + emissions[rows, t, tags[:, t]]
            score = score + step * maskf[:, t]
        last = tags[rows, mask.sum(1) - 1]
        return score + self.end_transitions[last]

    def _forward_alphas(self, emissions, mask):
        """log alpha for every step: [B, T, L]; steps past the mask copy the previous alpha."""
        alpha = self.start_transitions + emissions[:, 0]
        alphas = [alpha]
        for t in range(1, emissions.shape[1]):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)
            alphas.append(alpha)
        return torch.stack(alphas, 1)

    def _log_partition(self, emissions, mask):
        alphas = self._forward_alphas(emissions, mask)
        return torch.logsumexp(alphas[:, -1] + self.end_transitions, dim=1)

    def marginals(self, emissions, mask):
        """p(tag_t = j | emissions) by forward-backward: [B, T, L] (zeros past the mask)."""
        alphas = self._forward_alphas(emissions, mask)
        batch, steps, tags = emissions.shape
        lengths = mask.sum(1)
        betas = torch.zeros_like(alphas)
        for b in range(batch):
            n = int(lengths[b])
            beta = self.end_transitions.clone()
            betas[b, n - 1] = beta
            for t in range(n - 2, -1, -1):
                beta = torch.logsumexp(self.transitions + (emissions[b, t + 1] + beta).unsqueeze(0), dim=1)
                betas[b, t] = beta
        log_z = torch.logsumexp(alphas[:, -1] + self.end_transitions, dim=1)
        probs = torch.exp(alphas + betas - log_z.view(batch, 1, 1))
        return probs * mask.unsqueeze(2).to(probs.dtype)

    def viterbi(self, emissions, mask):
        """Best tag path per sequence (list of lists, each as long as its mask)."""
        score = self.start_transitions + emissions[:, 0]
        history = []
        for t in range(1, emissions.shape[1]):
            total = score.unsqueeze(2) + self.transitions
            best, idx = total.max(dim=1)
            nxt = best + emissions[:, t]
            score = torch.where(mask[:, t].unsqueeze(1), nxt, score)
            history.append(idx)
        score = score + self.end_transitions
        paths = []
        for b, n in enumerate(mask.sum(1).tolist()):
            tag = int(score[b].argmax())
            path = [tag]
            for t in range(n - 2, -1, -1):
                tag = int(history[t][b, tag])
                path.append(tag)
            paths.append(path[::-1])
        return paths
