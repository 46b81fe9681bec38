; Barman: a two-handed robot mixes cocktails into shot glasses (ACBench project; simplified
; STRIPS: one serving per shake, no levels).
(define (domain barman)
  (:requirements :strips :typing)
  (:types hand container beverage dispenser - object
          shot shaker - container ingredient cocktail - beverage)
  (:predicates (ontable ?c - container) (holding ?h - hand ?c - container) (handempty ?h - hand)
               (empty ?c - container) (contains ?c - container ?b - beverage) (clean ?c - container)
               (used ?c - container) (dispenses ?d - dispenser ?i - ingredient)
               (part1 ?b - cocktail ?i - ingredient) (part2 ?b - cocktail ?i - ingredient)
               (unshaken ?s - shaker) (one-part ?s - shaker) (two-parts ?s - shaker)
               (shaken ?s - shaker))
  (:action grasp
    :parameters (?h - hand ?c - container)
    :precondition (and (ontable ?c) (handempty ?h))
    :effect (and (holding ?h ?c) (not (ontable ?c)) (not (handempty ?h))))
  (:action leave
    :parameters (?h - hand ?c - container)
    :precondition (holding ?h ?c)
    :effect (and (ontable ?c) (handempty ?h) (not (holding ?h ?c))))
  (:action fill-shot
    :parameters (?s - shot ?i - ingredient ?h1 - hand ?h2 - hand ?d - dispenser)
    :precondition (and (holding ?h1 ?s) (handempty ?h2) (dispenses ?d ?i) (empty ?s) (clean ?s))
    :effect (and (contains ?s ?i) (used ?s) (not (empty ?s)) (not (clean ?s))))
  (:action empty-shot
    :parameters (?h - hand ?s - shot ?b - beverage)
    :precondition (and (holding ?h ?s) (contains ?s ?b))
    :effect (and (empty ?s) (not (contains ?s ?b))))
  (:action clean-shot
    :parameters (?s - shot ?h1 - hand ?h2 - hand)
    :precondition (and (holding ?h1 ?s) (handempty ?h2) (empty ?s) (used ?s))
    :effect (and (clean ?s) (not (used ?s))))
  (:action pour-shot-to-clean-shaker
    :parameters (?s - shot ?i - ingredient ?k - shaker ?h - hand)
    :precondition (and (holding ?h ?s) (contains ?s ?i) (empty ?k) (clean ?k))
    :effect (and (contains ?k ?i) (empty ?s) (unshaken ?k) (one-part ?k) (used ?k)
                 (not (contains ?s ?i)) (not (empty ?k)) (not (clean ?k))))
  (:action pour-shot-to-used-shaker
    :parameters (?s - shot ?i - ingredient ?k - shaker ?h - hand)
    :precondition (and (holding ?h ?s) (contains ?s ?i) (one-part ?k) (unshaken ?k))
    :effect (and (contains ?k ?i) (empty ?s) (two-parts ?k)
                 (not (contains ?s ?i)) (not (one-part ?k))))
  (:action shake
    :parameters (?b - cocktail ?i1 - ingredient ?i2 - ingredient ?k - shaker ?h1 - hand ?h2 - hand)
    :precondition (and (holding ?h1 ?k) (handempty ?h2) (contains ?k ?i1) (contains ?k ?i2)
                       (part1 ?b ?i1) (part2 ?b ?i2) (unshaken ?k) (two-parts ?k))
    :effect (and (contains ?k ?b) (shaken ?k) (not (contains ?k ?i1)) (not (contains ?k ?i2))
                 (not (unshaken ?k)) (not (two-parts ?k))))
  (:action pour-shaker-to-shot
    :parameters (?b - cocktail ?s - shot ?h - hand ?k - shaker)
    :precondition (and (holding ?h ?k) (shaken ?k) (contains ?k ?b) (empty ?s) (clean ?s))
    :effect (and (contains ?s ?b) (used ?s) (empty ?k) (not (clean ?s)) (not (empty ?s))
                 (not (contains ?k ?b)) (not (shaken ?k))))
  (:action empty-shaker
    :parameters (?h - hand ?k - shaker ?b - cocktail)
    :precondition (and (holding ?h ?k) (contains ?k ?b) (shaken ?k))
    :effect (and (empty ?k) (not (contains ?k ?b)) (not (shaken ?k))))
  (:action clean-shaker
    :parameters (?h1 - hand ?h2 - hand ?k - shaker)
    :precondition (and (holding ?h1 ?k) (handempty ?h2) (empty ?k) (used ?k))
    :effect (and (clean ?k) (not (used ?k)))))
