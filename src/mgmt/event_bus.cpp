#include "pf/mgmt/event_bus.hpp"

#include <algorithm>
#include <utility>

namespace pf::mgmt {

Subscription::~Subscription() {
  if (auto bus = bus_.lock()) {
    bus->leave(this);
  }
}

std::optional<Event> Subscription::next(Nanos timeout) {
  const MutexLock lock(mutex_);
  if (queue_.empty() && !closed_) {
    (void)ready_.wait_for(mutex_, timeout);
  }
  if (queue_.empty()) {
    return std::nullopt;
  }
  Event e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

std::uint64_t Subscription::take_lost() {
  const MutexLock lock(mutex_);
  return std::exchange(lost_, 0);
}

bool Subscription::closed() const {
  const MutexLock lock(mutex_);
  return closed_ && queue_.empty();
}

void Subscription::push(const Event& event) {
  {
    const MutexLock lock(mutex_);
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      ++lost_;
    }
    queue_.push_back(event);
  }
  ready_.notify_one();
}

void Subscription::close() {
  {
    const MutexLock lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

std::shared_ptr<EventBus> EventBus::create(std::size_t max_subscribers) {
  return std::shared_ptr<EventBus>(new EventBus(max_subscribers));
}

EventBus::~EventBus() = default;

void EventBus::publish(std::string type, std::string data) {
  const MutexLock lock(mutex_);
  if (closed_) {
    return;
  }
  const Event event{next_id_++, std::move(type), std::move(data)};
  for (Subscription* s : subscribers_) {
    s->push(event);
  }
}

std::shared_ptr<Subscription> EventBus::subscribe(std::size_t capacity) {
  const MutexLock lock(mutex_);
  if (closed_ || subscribers_.size() >= max_subscribers_) {
    return nullptr;
  }
  std::shared_ptr<Subscription> s(new Subscription(shared_from_this(), std::max<std::size_t>(capacity, 1)));
  subscribers_.push_back(s.get());
  return s;
}

void EventBus::close() {
  const MutexLock lock(mutex_);
  closed_ = true;
  for (Subscription* s : subscribers_) {
    s->close();
  }
}

std::uint64_t EventBus::published() const {
  const MutexLock lock(mutex_);
  return next_id_ - 1;
}

std::size_t EventBus::subscribers() const {
  const MutexLock lock(mutex_);
  return subscribers_.size();
}

void EventBus::leave(const Subscription* subscription) {
  const MutexLock lock(mutex_);
  std::erase(subscribers_, subscription);
}

}  // namespace pf::mgmt
