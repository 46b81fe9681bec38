; Tyreworld: replace flat tyres with inflated spares (ACBench project; simplified STRIPS).
(define (domain tyreworld)
  (:requirements :strips :typing)
  (:types container item hub - object tool wheel nut - item)
  (:predicates (open ?c - container) (closed ?c - container) (in ?x - item ?c - container)
               (have ?x - item) (tight ?n - nut ?h - hub) (loose ?n - nut ?h - hub)
               (on-ground ?h - hub) (lifted ?h - hub) (jacked ?t - tool ?h - hub)
               (is-jack ?t - tool) (is-wrench ?t - tool) (is-pump ?t - tool)
               (fastened ?h - hub) (free ?h - hub) (on ?w - wheel ?h - hub) (empty ?h - hub)
               (flat ?w - wheel) (inflated ?w - wheel))
  (:action open
    :parameters (?c - container)
    :precondition (closed ?c)
    :effect (and (open ?c) (not (closed ?c))))
  (:action close
    :parameters (?c - container)
    :precondition (open ?c)
    :effect (and (closed ?c) (not (open ?c))))
  (:action fetch
    :parameters (?x - item ?c - container)
    :precondition (and (in ?x ?c) (open ?c))
    :effect (and (have ?x) (not (in ?x ?c))))
  (:action put-away
    :parameters (?x - item ?c - container)
    :precondition (and (have ?x) (open ?c))
    :effect (and (in ?x ?c) (not (have ?x))))
  (:action loosen
    :parameters (?n - nut ?h - hub ?t - tool)
    :precondition (and (have ?t) (is-wrench ?t) (tight ?n ?h) (on-ground ?h))
    :effect (and (loose ?n ?h) (not (tight ?n ?h))))
  (:action tighten
    :parameters (?n - nut ?h - hub ?t - tool)
    :precondition (and (have ?t) (is-wrench ?t) (loose ?n ?h) (on-ground ?h))
    :effect (and (tight ?n ?h) (not (loose ?n ?h))))
  (:action jack-up
    :parameters (?h - hub ?t - tool)
    :precondition (and (on-ground ?h) (have ?t) (is-jack ?t))
    :effect (and (lifted ?h) (jacked ?t ?h) (not (on-ground ?h)) (not (have ?t))))
  (:action jack-down
    :parameters (?h - hub ?t - tool)
    :precondition (and (lifted ?h) (jacked ?t ?h))
    :effect (and (on-ground ?h) (have ?t) (not (lifted ?h)) (not (jacked ?t ?h))))
  (:action undo
    :parameters (?n - nut ?h - hub ?t - tool)
    :precondition (and (lifted ?h) (have ?t) (is-wrench ?t) (loose ?n ?h) (fastened ?h))
    :effect (and (have ?n) (free ?h) (not (loose ?n ?h)) (not (fastened ?h))))
  (:action do-up
    :parameters (?n - nut ?h - hub ?t - tool)
    :precondition (and (lifted ?h) (have ?t) (is-wrench ?t) (have ?n) (free ?h))
    :effect (and (loose ?n ?h) (fastened ?h) (not (have ?n)) (not (free ?h))))
  (:action remove-wheel
    :parameters (?w - wheel ?h - hub)
    :precondition (and (lifted ?h) (on ?w ?h) (free ?h))
    :effect (and (have ?w) (empty ?h) (not (on ?w ?h))))
  (:action put-on-wheel
    :parameters (?w - wheel ?h - hub)
    :precondition (and (lifted ?h) (have ?w) (free ?h) (empty ?h))
    :effect (and (on ?w ?h) (not (have ?w)) (not (empty ?h))))
  (:action inflate
    :parameters (?w - wheel ?t - tool)
    :precondition (and (have ?t) (is-pump ?t) (have ?w) (flat ?w))
    :effect (and (inflated ?w) (not (flat ?w)))))
