// Statistics: areas under the number present, busy and held, totals formed
// from step counters, snapshots, windows, the reservoir and the MSER-5 series.
#pragma once

#include "sim/engine.hpp"

namespace tiersim {

// ---- bookkeeping -------------------------------------------------------
inline void Simulator::Impl::touch(std::uint32_t t) {
  StationState& st = stations_[t];
  double dt = now_ - st.last;
  cur_.stations[t].area_in_system += st.n * dt;
  cur_.stations[t].area_busy += st.busy * dt;
  st.last = now_;
}

inline void Simulator::Impl::touch_all() {
  derive_totals();
  for (std::uint32_t t = 0; t < stations_.size(); ++t) {
    touch(t);
    cur_.stations[t].present = stations_[t].n;
  }
  for (std::uint32_t p = 0; p < pools_.size(); ++p) {
    touch_pool(p);
    cur_.pools[p].waiting = static_cast<double>(pools_[p].waiting);
  }
  cur_.open_in_system = static_cast<double>(open_in_system_);
  cur_.time = now_;
}

// Station and pool totals are sums of their steps' counters, formed when
// counters are read rather than counted a second time at every departure
// and grant (3-tier model 2 % faster). A station's response sum is then
// its visits' waits plus services, each wait clamped at 0 as recorded.
inline void Simulator::Impl::derive_totals() {
  for (auto& c : cur_.stations) c.completions = c.sum_response = c.sum_service = 0;
  for (auto& c : cur_.pools) c.acquisitions = c.sum_wait = 0;
  for (const auto& [step, t] : visit_steps_) {
    const StepCounters& sc = cur_.steps[step];
    StationCounters& c = cur_.stations[t];
    c.completions += sc.count;
    c.sum_response += sc.sum_wait + sc.sum_service;
    c.sum_service += sc.sum_service;
  }
  for (const auto& [step, p] : acquire_steps_) {
    const StepCounters& sc = cur_.steps[step];
    cur_.pools[p].acquisitions += sc.count;
    cur_.pools[p].sum_wait += sc.sum_wait;
  }
}

inline void Simulator::Impl::finish_rare(std::uint32_t cls, double response) {
  if (run_.samples > 0 && measuring_) keep_sample(cls, response);
  if (opt_.record_warmup_series) record_warmup(response);
  if (measuring_ && run_.max_completions > 0) {
    ++measured_completions_;
    if (count_batches_ && measured_completions_ >= next_batch_at_ &&
        measured_completions_ < run_.max_completions) {
      snapshot();
      next_batch_at_ += batch_size_;
    }
    if (measured_completions_ >= run_.max_completions) stop_ = true;
  }
}

// Reservoir sampling (Algorithm R): after n completions each has been kept
// with probability samples / n, in constant memory.
inline void Simulator::Impl::keep_sample(std::uint32_t cls, double response) {
  auto& kept = result_.samples[cls];
  std::uint64_t n = ++seen_[cls];
  if (kept.size() < run_.samples) {
    kept.push_back(response);
    return;
  }
  std::uint64_t j =
      boost::random::uniform_int_distribution<std::uint64_t>(0, n - 1)(sample_stream_);
  if (j < run_.samples) kept[j] = response;
}

inline void Simulator::Impl::record_warmup(double response) {
  block_sum_ += response;
  if (++block_count_ < block_size_) return;
  result_.warmup_series.push_back(block_sum_ / static_cast<double>(block_size_));
  result_.warmup_series_time.push_back(now_);
  block_sum_ = 0;
  block_count_ = 0;
  if (result_.warmup_series.size() >= kMaxWarmupBlocks) {
    // Keep memory constant: merge neighbouring blocks and double the block size.
    auto& xs = result_.warmup_series;
    auto& ts = result_.warmup_series_time;
    for (std::size_t i = 0; i < xs.size() / 2; ++i) {
      xs[i] = (xs[2 * i] + xs[2 * i + 1]) / 2;
      ts[i] = ts[2 * i + 1];
    }
    xs.resize(xs.size() / 2);
    ts.resize(ts.size() / 2);
    block_size_ *= 2;
  }
}

// Windows are chained, one pending at a time, so a long time series costs
// the event set one entry rather than thousands.
inline void Simulator::Impl::schedule_window(double start) {
  ++windows_started_;
  window_end_ =
      std::min(start_of_windows_ + static_cast<double>(windows_started_) * run_.window, run_.until);
  if (windows_started_ == 1) {
    start_of_windows_ = start;
    window_end_ = std::min(start + run_.window, run_.until);
  }
  q_.push(window_end_, EventPriority::kLate, EventKind::kWindowEnd);
}

inline void Simulator::Impl::end_window() {
  if (!result_.windows.empty() && result_.windows.back().time >= now_) return;
  touch_all();
  result_.windows.push_back(cur_);
  if (window_end_ < run_.until) schedule_window(now_);
}

inline void Simulator::Impl::snapshot() {
  touch_all();
  result_.snapshots.push_back(cur_);
}

inline void Simulator::Impl::reset_statistics() {
  touch_all();
  for (auto& x : cur_.stations) x = {};
  for (auto& x : cur_.pools) x = {};
  for (auto& x : cur_.classes) x = {};
  for (auto& x : cur_.steps) x = {};
  for (auto& x : cur_.operations) x = {};
  for (auto& h : result_.response) h.reset();
  for (auto& kept : result_.samples) kept.clear();
  for (auto& p : pools_) {
    std::fill(p.key_acquisitions.begin(), p.key_acquisitions.end(), 0.0);
    std::fill(p.key_wait.begin(), p.key_wait.end(), 0.0);
  }
  std::fill(seen_.begin(), seen_.end(), 0);
  cur_.time = now_;
}

inline void Simulator::Impl::begin_measuring() {
  measuring_ = true;
  result_.snapshots.push_back(cur_);
}

}  // namespace tiersim
