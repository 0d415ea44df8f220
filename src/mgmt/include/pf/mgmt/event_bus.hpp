// Host lifecycle events for the management API's `events` stream:
// session.started/ended, display.*, pairing.*, client.*. Publishers (the
// native server, the display service, the API itself) never block: each
// subscriber has a bounded queue, and a subscriber that falls behind loses
// its oldest events and is told how many (`lost`).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pf/core/clock.hpp"
#include "pf/core/thread_annotations.hpp"

namespace pf::mgmt {

struct Event {
  std::uint64_t id = 0;  ///< increasing, from 1
  std::string type;      ///< "session.started"
  std::string data;      ///< a JSON object
};

class EventBus;

class Subscription {
 public:
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

  /// The next event, or nothing after `timeout` or once the bus closed.
  [[nodiscard]] std::optional<Event> next(Nanos timeout) PF_EXCLUDES(mutex_);
  /// Events dropped because this subscriber fell behind (and resets it).
  [[nodiscard]] std::uint64_t take_lost() PF_EXCLUDES(mutex_);
  [[nodiscard]] bool closed() const PF_EXCLUDES(mutex_);

 private:
  friend class EventBus;
  Subscription(std::shared_ptr<EventBus> bus, std::size_t capacity) : bus_(std::move(bus)), capacity_(capacity) {}
  void push(const Event& event) PF_EXCLUDES(mutex_);
  void close() PF_EXCLUDES(mutex_);

  std::weak_ptr<EventBus> bus_;
  const std::size_t capacity_;
  mutable Mutex mutex_;
  std::condition_variable_any ready_;
  std::deque<Event> queue_ PF_GUARDED_BY(mutex_);
  std::uint64_t lost_ PF_GUARDED_BY(mutex_) = 0;
  bool closed_ PF_GUARDED_BY(mutex_) = false;
};

class EventBus : public std::enable_shared_from_this<EventBus> {
 public:
  [[nodiscard]] static std::shared_ptr<EventBus> create(std::size_t max_subscribers = 8);
  ~EventBus();

  /// `data` must be a JSON object's text.
  void publish(std::string type, std::string data) PF_EXCLUDES(mutex_);
  /// Nothing when max_subscribers are already listening.
  [[nodiscard]] std::shared_ptr<Subscription> subscribe(std::size_t capacity = 256) PF_EXCLUDES(mutex_);
  /// Ends every subscription (their next() returns nothing once drained).
  void close() PF_EXCLUDES(mutex_);
  [[nodiscard]] std::uint64_t published() const PF_EXCLUDES(mutex_);
  [[nodiscard]] std::size_t subscribers() const PF_EXCLUDES(mutex_);

 private:
  friend class Subscription;
  explicit EventBus(std::size_t max_subscribers) : max_subscribers_(max_subscribers) {}
  void leave(const Subscription* subscription) PF_EXCLUDES(mutex_);

  const std::size_t max_subscribers_;
  mutable Mutex mutex_;
  std::vector<Subscription*> subscribers_ PF_GUARDED_BY(mutex_);
  std::uint64_t next_id_ PF_GUARDED_BY(mutex_) = 1;
  bool closed_ PF_GUARDED_BY(mutex_) = false;
};

}  // namespace pf::mgmt
